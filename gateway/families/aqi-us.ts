import { interpolateIndex, levelOf, type AqiBand, type AqiLevel } from './aqi.ts';

/**
 * US EPA AQI for particles, with the PM2.5 breakpoints of the 2024 revision (24 h averages).
 * Above 500 the 301-500 band's line is extended, as the EPA's technical assistance document does.
 */
export type UsPollutant = 'pm2_5' | 'pm10';

function bands(rows: Array<[number, number, number, number]>): AqiBand[] {
  return rows.map(([cLow, cHigh, iLow, iHigh]) => ({ cLow, cHigh, iLow, iHigh }));
}

export const usAqiTable: Record<UsPollutant, { decimals: number; bands: AqiBand[] }> = {
  pm2_5: {
    decimals: 1,
    bands: bands([[0, 9.0, 0, 50], [9.1, 35.4, 51, 100], [35.5, 55.4, 101, 150], [55.5, 125.4, 151, 200], [125.5, 225.4, 201, 300], [225.5, 325.4, 301, 500]]),
  },
  pm10: {
    decimals: 0,
    bands: bands([[0, 54, 0, 50], [55, 154, 51, 100], [155, 254, 101, 150], [255, 354, 151, 200], [355, 424, 201, 300], [425, 604, 301, 500]]),
  },
};

export const usAqiLevels: readonly AqiLevel[] = [
  { key: 'good', maxIndex: 50, en: 'Good', th: 'ดี', colour: { en: 'green', th: 'เขียว', hex: '#00E400' } },
  { key: 'moderate', maxIndex: 100, en: 'Moderate', th: 'ปานกลาง', colour: { en: 'yellow', th: 'เหลือง', hex: '#FFFF00' } },
  { key: 'unhealthy-sensitive', maxIndex: 150, en: 'Unhealthy for sensitive groups', th: 'มีผลต่อสุขภาพของกลุ่มเสี่ยง', colour: { en: 'orange', th: 'ส้ม', hex: '#FF7E00' } },
  { key: 'unhealthy', maxIndex: 200, en: 'Unhealthy', th: 'มีผลต่อสุขภาพ', colour: { en: 'red', th: 'แดง', hex: '#FF0000' } },
  { key: 'very-unhealthy', maxIndex: 300, en: 'Very unhealthy', th: 'มีผลต่อสุขภาพมาก', colour: { en: 'purple', th: 'ม่วง', hex: '#8F3F97' } },
  { key: 'hazardous', maxIndex: Number.POSITIVE_INFINITY, en: 'Hazardous', th: 'อันตราย', colour: { en: 'maroon', th: 'น้ำตาลแดง', hex: '#7E0023' } },
];

export function usSubIndex(pollutant: UsPollutant, concentration: number | null | undefined): number | null {
  if (concentration === null || concentration === undefined) return null;
  const row = usAqiTable[pollutant];
  return interpolateIndex(row.bands, concentration, row.decimals);
}

export interface UsAqi {
  aqi: number;
  pollutant: UsPollutant;
  level: AqiLevel;
}

/** The US AQI from 24 h particle averages; null when neither is known. */
export function usAqi(concentrations: Partial<Record<UsPollutant, number | null>>): UsAqi | null {
  let best: { aqi: number; pollutant: UsPollutant } | null = null;
  for (const pollutant of ['pm2_5', 'pm10'] as const) {
    const index = usSubIndex(pollutant, concentrations[pollutant]);
    if (index !== null && (best === null || index > best.aqi)) best = { aqi: index, pollutant };
  }
  return best === null ? null : { ...best, level: levelOf(usAqiLevels, best.aqi) };
}
