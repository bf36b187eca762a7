import { describe, expect, it } from 'vitest';
import { surfaceWaterClass } from '../../gateway/families/water-class.ts';
import { PlausibilityChecker } from '../../gateway/families/plausibility.ts';
import { pointLimitsSchema, familySchema } from '../../core/family-schema.ts';
import { WaterQualityProcessor } from '../../gateway/families/water-processor.ts';

describe('Thai surface water class (NEB notification no. 8, 1994)', () => {
  it('classifies on DO at each class edge, with pH 5-9', () => {
    expect(surfaceWaterClass({ doMgL: 6.0, ph: 7 })!.waterClass).toBe(2);
    expect(surfaceWaterClass({ doMgL: 5.99, ph: 7 })!.waterClass).toBe(3);
    expect(surfaceWaterClass({ doMgL: 4.0, ph: 7 })!.waterClass).toBe(3);
    expect(surfaceWaterClass({ doMgL: 3.99, ph: 7 })!.waterClass).toBe(4);
    expect(surfaceWaterClass({ doMgL: 2.0, ph: 7 })!.waterClass).toBe(4);
    expect(surfaceWaterClass({ doMgL: 1.99, ph: 7 })!.waterClass).toBe(5);
  });

  it('puts pH outside 5-9 in class 5, edges included in 2-4', () => {
    expect(surfaceWaterClass({ doMgL: 7, ph: 5.0 })!.waterClass).toBe(2);
    expect(surfaceWaterClass({ doMgL: 7, ph: 9.0 })!.waterClass).toBe(2);
    expect(surfaceWaterClass({ doMgL: 7, ph: 4.99 })!.waterClass).toBe(5);
    expect(surfaceWaterClass({ doMgL: 7, ph: 9.01 })!.waterClass).toBe(5);
  });

  it('uses BOD and NH3-N when measured and says so', () => {
    expect(surfaceWaterClass({ doMgL: 7, ph: 7, bodMgL: 1.5 })).toEqual({ waterClass: 2, basis: ['do', 'ph', 'bod'] });
    expect(surfaceWaterClass({ doMgL: 7, ph: 7, bodMgL: 1.6 })!.waterClass).toBe(3);
    expect(surfaceWaterClass({ doMgL: 7, ph: 7, bodMgL: 4.1 })!.waterClass).toBe(5);
    expect(surfaceWaterClass({ doMgL: 7, ph: 7, nh3nMgL: 0.6 })).toEqual({ waterClass: 5, basis: ['do', 'ph', 'nh3_n'] });
  });

  it('gives no class without DO or pH', () => {
    expect(surfaceWaterClass({ doMgL: null, ph: 7 })).toBeNull();
    expect(surfaceWaterClass({ doMgL: 6, ph: null })).toBeNull();
  });

  it('the processor adds the class and fills missing units', () => {
    const p = new WaterQualityProcessor(new Map([['sonde', familySchema.parse({ type: 'water-quality' })]]));
    const out = p.process({ device: 'sonde', kind: 'water-quality', tsMs: 0, values: { do_mg_l: 4.5, ph: 7.2, conductivity_us_cm: 410, turbidity_ntu: 12, temperature_c: 29, orp_mv: 150 }, units: { do_mg_l: 'mg/L' }, quality: 'good' });
    expect(out.values).toMatchObject({ water_class: 3, water_class_basis: 'do,ph' });
    expect(out.units).toMatchObject({ do_mg_l: 'mg/L', ph: 'pH', conductivity_us_cm: 'uS/cm', turbidity_ntu: 'NTU', temperature_c: 'degC', orp_mv: 'mV' });
    expect(String(out.values.water_class_th)).toContain('ประเภทที่ 3');
  });

  it('takes a sonde profile as it is: turbidity in FNU needs no mapping, a mapped name still wins', () => {
    const p = new WaterQualityProcessor(new Map([['sonde', familySchema.parse({ type: 'water-quality' })], ['old', familySchema.parse({ type: 'water-quality', points: { do: 'oxygen', turbidity: 'turb' } })]]));
    const sonde = p.process({ device: 'sonde', kind: 'water-quality', tsMs: 0, values: { do_mg_l: 7, ph: 7, turbidity_fnu: 3.2 }, units: {}, quality: 'good' });
    expect(sonde.values).toMatchObject({ water_class: 2 });
    expect(sonde.units).toMatchObject({ turbidity_fnu: 'FNU' });
    const mapped = p.process({ device: 'old', kind: 'water-quality', tsMs: 0, values: { oxygen: 3, ph: 7, turb: 5, turbidity_fnu: 1 }, units: {}, quality: 'good' });
    expect(mapped.values).toMatchObject({ water_class: 4 });
    expect(mapped.units).toEqual({ oxygen: 'mg/L', ph: 'pH', turb: 'NTU', water_class: 'class' });
  });
});

describe('plausibility', () => {
  const min = 60_000;
  it('flags range, spike, stuck and flat-line, each with its reason', () => {
    const checker = new PlausibilityChecker({
      level: pointLimitsSchema.parse({ min: 0, max: 10, maxStep: 0.5, stuckCount: 4, flatlineFor: '30m', flatlineTolerance: 0.005 }),
    });
    expect(checker.check({ level: 3.0 }, 0)).toEqual({});
    expect(checker.check({ level: 3.2 }, 1 * min)).toEqual({});
    expect(checker.check({ level: 12 }, 2 * min).level).toMatch(/^range: 12 above max 10; spike/);
    expect(checker.check({ level: 3.2 }, 3 * min).level).toMatch(/^spike/);
    expect(checker.check({ level: -1 }, 4 * min).level).toMatch(/range: -1 below min 0/);
    expect(checker.check({ level: 3.3 }, 5 * min).level).toMatch(/spike/);
    expect(checker.check({ level: 3.3 }, 6 * min)).toEqual({});
    expect(checker.check({ level: 3.3 }, 7 * min)).toEqual({});
    expect(checker.check({ level: 3.3 }, 8 * min).level).toBe('stuck: 4 identical values');
    const flat = new PlausibilityChecker({ do: pointLimitsSchema.parse({ flatlineFor: '30m', flatlineTolerance: 0.01 }) });
    for (let m = 0; m < 30; m += 5) expect(flat.check({ do: 5 + (m % 2) * 0.005 }, m * min)).toEqual({});
    expect(flat.check({ do: 5.004 }, 30 * min).do).toBe('flat-line: within 0.01 for 30 min');
    expect(flat.check({ do: 5.5 }, 31 * min)).toEqual({});
  });

  it('ignores points that are missing or not numbers', () => {
    const checker = new PlausibilityChecker({ level: pointLimitsSchema.parse({ max: 1 }) });
    expect(checker.check({ level: null }, 0)).toEqual({});
    expect(checker.check({}, 0)).toEqual({});
  });
});
