import { interpolateIndex, levelOf, type AqiBand, type AqiLevel } from './aqi.ts';

/**
 * Thai AQI of the Pollution Control Department, PM2.5 bands as revised on 1 June 2023. Averaging:
 * PM2.5 and PM10 24 h, O3 and CO 8 h, NO2 and SO2 1 h. The AQI is the highest sub-index.
 *
 * The official table leaves the top band open (">= 75.1 ug/m3 is 201 and above"). So that a
 * concentration in it reads 201 or more and keeps rising, this module adds a fifth band that starts
 * one step above the 101-200 band, has the same width, maps to 201-300 and is extended above.
 */
export type ThaiPollutant = 'pm2_5' | 'pm10' | 'o3' | 'co' | 'no2' | 'so2';

function bands(rows: Array<[number, number]>, decimals: number): AqiBand[] {
  const indexBands: Array<[number, number]> = [[0, 25], [26, 50], [51, 100], [101, 200]];
  const official = rows.map(([cLow, cHigh], i) => ({ cLow, cHigh, iLow: indexBands[i]![0], iHigh: indexBands[i]![1] }));
  const orange = official[3]!;
  const step = 10 ** -decimals;
  const cLow = Number((orange.cHigh + step).toFixed(decimals));
  const red = { cLow, cHigh: Number((cLow + orange.cHigh - orange.cLow).toFixed(decimals)), iLow: 201, iHigh: 300 };
  return [...official, red];
}

/** Band tables per pollutant (concentration ranges at the table's precision) and that precision. */
export const thaiAqiTable: Record<ThaiPollutant, { unit: string; averagingH: number; decimals: number; bands: AqiBand[] }> = {
  pm2_5: { unit: 'ug/m3', averagingH: 24, decimals: 1, bands: bands([[0, 15.0], [15.1, 25.0], [25.1, 37.5], [37.6, 75.0]], 1) },
  pm10: { unit: 'ug/m3', averagingH: 24, decimals: 0, bands: bands([[0, 50], [51, 80], [81, 120], [121, 180]], 0) },
  o3: { unit: 'ppb', averagingH: 8, decimals: 0, bands: bands([[0, 35], [36, 50], [51, 70], [71, 120]], 0) },
  co: { unit: 'ppm', averagingH: 8, decimals: 1, bands: bands([[0, 4.4], [4.5, 6.4], [6.5, 9.0], [9.1, 30.0]], 1) },
  no2: { unit: 'ppb', averagingH: 1, decimals: 0, bands: bands([[0, 60], [61, 106], [107, 170], [171, 340]], 0) },
  so2: { unit: 'ppb', averagingH: 1, decimals: 0, bands: bands([[0, 100], [101, 200], [201, 300], [301, 400]], 0) },
};

export const thaiAqiLevels: readonly AqiLevel[] = [
  { key: 'very-good', maxIndex: 25, en: 'Very good', th: 'คุณภาพอากาศดีมาก', colour: { en: 'blue', th: 'ฟ้า', hex: '#3BCCFF' } },
  { key: 'good', maxIndex: 50, en: 'Good', th: 'คุณภาพอากาศดี', colour: { en: 'green', th: 'เขียว', hex: '#92D050' } },
  { key: 'moderate', maxIndex: 100, en: 'Moderate', th: 'ปานกลาง', colour: { en: 'yellow', th: 'เหลือง', hex: '#FFFF00' } },
  { key: 'starts-to-affect-health', maxIndex: 200, en: 'Starts to affect health', th: 'เริ่มมีผลกระทบต่อสุขภาพ', colour: { en: 'orange', th: 'ส้ม', hex: '#FFA200' } },
  { key: 'affects-health', maxIndex: Number.POSITIVE_INFINITY, en: 'Affects health', th: 'มีผลกระทบต่อสุขภาพ', colour: { en: 'red', th: 'แดง', hex: '#F04646' } },
];

/** One pollutant's Thai sub-index, or null when the concentration is missing or invalid. */
export function thaiSubIndex(pollutant: ThaiPollutant, concentration: number | null | undefined): number | null {
  if (concentration === null || concentration === undefined) return null;
  const row = thaiAqiTable[pollutant];
  return interpolateIndex(row.bands, concentration, row.decimals);
}

export interface ThaiAqi {
  aqi: number;
  /** The pollutant that set the index. */
  pollutant: ThaiPollutant;
  level: AqiLevel;
  subIndices: Partial<Record<ThaiPollutant, number>>;
}

/** The Thai AQI from averaged concentrations (each at its own averaging time); null when none is known. */
export function thaiAqi(concentrations: Partial<Record<ThaiPollutant, number | null>>): ThaiAqi | null {
  const subIndices: Partial<Record<ThaiPollutant, number>> = {};
  let best: { aqi: number; pollutant: ThaiPollutant } | null = null;
  for (const pollutant of Object.keys(thaiAqiTable) as ThaiPollutant[]) {
    const index = thaiSubIndex(pollutant, concentrations[pollutant]);
    if (index === null) continue;
    subIndices[pollutant] = index;
    if (best === null || index > best.aqi) best = { aqi: index, pollutant };
  }
  if (best === null) return null;
  return { ...best, level: levelOf(thaiAqiLevels, best.aqi), subIndices };
}
