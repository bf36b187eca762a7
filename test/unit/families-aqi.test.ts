import { describe, expect, it } from 'vitest';
import { thaiAqi, thaiSubIndex, type ThaiPollutant } from '../../gateway/families/aqi-thai.ts';
import { usAqi, usSubIndex } from '../../gateway/families/aqi-us.ts';

// The official tables, written out here again (not imported) so the code is checked against them.
// Thai AQI: Pollution Control Department, PM2.5 bands revised 1 June 2023.
const thaiIndexBands: Array<[number, number]> = [[0, 25], [26, 50], [51, 100], [101, 200]];
const thaiOfficial: Record<ThaiPollutant, Array<[number, number]>> = {
  pm2_5: [[0, 15.0], [15.1, 25.0], [25.1, 37.5], [37.6, 75.0]],
  pm10: [[0, 50], [51, 80], [81, 120], [121, 180]],
  o3: [[0, 35], [36, 50], [51, 70], [71, 120]],
  co: [[0, 4.4], [4.5, 6.4], [6.5, 9.0], [9.1, 30.0]],
  no2: [[0, 60], [61, 106], [107, 170], [171, 340]],
  so2: [[0, 100], [101, 200], [201, 300], [301, 400]],
};
const thaiRedFrom: Record<ThaiPollutant, number> = { pm2_5: 75.1, pm10: 181, o3: 121, co: 30.1, no2: 341, so2: 401 };

describe('Thai AQI sub-indices at every band edge of the official table', () => {
  for (const [pollutant, bands] of Object.entries(thaiOfficial) as Array<[ThaiPollutant, Array<[number, number]>]>) {
    it(`${pollutant}: each band's low and high concentration give the band's low and high index`, () => {
      bands.forEach(([cLow, cHigh], i) => {
        const [iLow, iHigh] = thaiIndexBands[i]!;
        expect(thaiSubIndex(pollutant, cLow), `${pollutant} ${cLow}`).toBe(iLow);
        expect(thaiSubIndex(pollutant, cHigh), `${pollutant} ${cHigh}`).toBe(iHigh);
      });
      expect(thaiSubIndex(pollutant, thaiRedFrom[pollutant])).toBe(201);
      expect(thaiSubIndex(pollutant, thaiRedFrom[pollutant] * 2)!).toBeGreaterThan(201);
    });
  }

  it('truncates between bands (15.04 ug/m3 is still "very good", 15.1 is "good")', () => {
    expect(thaiSubIndex('pm2_5', 15.04)).toBe(25);
    expect(thaiSubIndex('pm2_5', 15.1)).toBe(26);
    expect(thaiSubIndex('pm10', 50.9)).toBe(25);
  });

  it('worked examples: I = (Ihi - Ilo) / (Chi - Clo) x (C - Clo) + Ilo', () => {
    // PM2.5 30.0: (100-51)/(37.5-25.1) x (30.0-25.1) + 51 = 70.36 -> 70
    expect(thaiSubIndex('pm2_5', 30.0)).toBe(70);
    // PM2.5 50.0: (200-101)/(75.0-37.6) x (50.0-37.6) + 101 = 133.82 -> 134
    expect(thaiSubIndex('pm2_5', 50.0)).toBe(134);
    // PM10 100: (100-51)/(120-81) x (100-81) + 51 = 74.87 -> 75
    expect(thaiSubIndex('pm10', 100)).toBe(75);
    // O3 8 h 60 ppb: (100-51)/(70-51) x (60-51) + 51 = 74.21 -> 74
    expect(thaiSubIndex('o3', 60)).toBe(74);
  });

  it('takes the highest sub-index, with its level in Thai and English and its colour', () => {
    const aqi = thaiAqi({ pm2_5: 30.0, pm10: 100, o3: 20 })!;
    expect(aqi.aqi).toBe(75);
    expect(aqi.pollutant).toBe('pm10');
    expect(aqi.level).toMatchObject({ key: 'moderate', en: 'Moderate', th: 'ปานกลาง', colour: { en: 'yellow' } });
    expect(thaiAqi({ pm2_5: 10 })!.level.colour.en).toBe('blue');
    expect(thaiAqi({ pm2_5: 20 })!.level.key).toBe('good');
    expect(thaiAqi({ pm2_5: 60 })!.level.th).toBe('เริ่มมีผลกระทบต่อสุขภาพ');
    expect(thaiAqi({ pm2_5: 80 })!.level.colour.en).toBe('red');
    expect(thaiAqi({})).toBeNull();
    expect(thaiSubIndex('pm2_5', -1)).toBeNull();
    expect(thaiSubIndex('pm2_5', Number.NaN)).toBeNull();
  });
});

// US EPA, PM2.5 breakpoints of the 2024 revision; PM10 unchanged.
const usPm25: Array<[number, number, number, number]> = [[0, 9.0, 0, 50], [9.1, 35.4, 51, 100], [35.5, 55.4, 101, 150], [55.5, 125.4, 151, 200], [125.5, 225.4, 201, 300], [225.5, 325.4, 301, 500]];
const usPm10: Array<[number, number, number, number]> = [[0, 54, 0, 50], [55, 154, 51, 100], [155, 254, 101, 150], [255, 354, 151, 200], [355, 424, 201, 300], [425, 604, 301, 500]];

describe('US AQI (2024) at every band edge', () => {
  it('PM2.5 and PM10 band edges give the band indices', () => {
    for (const [cLow, cHigh, iLow, iHigh] of usPm25) {
      expect(usSubIndex('pm2_5', cLow), `pm2.5 ${cLow}`).toBe(iLow);
      expect(usSubIndex('pm2_5', cHigh), `pm2.5 ${cHigh}`).toBe(iHigh);
    }
    for (const [cLow, cHigh, iLow, iHigh] of usPm10) {
      expect(usSubIndex('pm10', cLow), `pm10 ${cLow}`).toBe(iLow);
      expect(usSubIndex('pm10', cHigh), `pm10 ${cHigh}`).toBe(iHigh);
    }
  });

  it('worked examples and levels', () => {
    // 35.0: (100-51)/(35.4-9.1) x (35.0-9.1) + 51 = 99.25 -> 99
    expect(usSubIndex('pm2_5', 35.0)).toBe(99);
    // 9.05 truncates to 9.0 -> 50 (good); 12.0 was "good" before 2024 and is "moderate" now:
    // (100-51)/(35.4-9.1) x (12.0-9.1) + 51 = 56.40 -> 56
    expect(usSubIndex('pm2_5', 9.05)).toBe(50);
    expect(usSubIndex('pm2_5', 12.0)).toBe(56);
    const aqi = usAqi({ pm2_5: 40, pm10: 60 })!;
    // 40: (150-101)/(55.4-35.5) x (40-35.5) + 101 = 112.08 -> 112
    expect(aqi).toMatchObject({ aqi: 112, pollutant: 'pm2_5', level: { key: 'unhealthy-sensitive', colour: { en: 'orange' } } });
    expect(usAqi({ pm2_5: 150 })!.level).toMatchObject({ key: 'very-unhealthy', en: 'Very unhealthy', colour: { en: 'purple' } });
    expect(usAqi({ pm2_5: 400 })!.aqi).toBeGreaterThan(500);
    expect(usAqi({ pm2_5: 400 })!.level.key).toBe('hazardous');
  });
});
