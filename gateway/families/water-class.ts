/**
 * Thai surface water quality class (National Environment Board notification no. 8, 1994) from the
 * parameters a sonde measures. Class 1 (natural water) cannot be told from sensors and is never
 * returned. BOD and NH3-N are used when present; online sondes rarely measure BOD, so the class is
 * usually decided by DO and pH alone, and `basis` says which parameters decided it.
 */
export type SurfaceWaterClass = 2 | 3 | 4 | 5;

export interface WaterSample {
  /** Dissolved oxygen, mg/L. */
  doMgL: number | null;
  ph: number | null;
  bodMgL?: number | null;
  nh3nMgL?: number | null;
}

export interface WaterClassResult {
  waterClass: SurfaceWaterClass;
  basis: string[];
}

/** Limits per class: DO at least, BOD at most (pH 5-9 and NH3-N <= 0.5 for classes 2-4). */
const classLimits: Array<{ waterClass: 2 | 3 | 4; doMinMgL: number; bodMaxMgL: number }> = [
  { waterClass: 2, doMinMgL: 6.0, bodMaxMgL: 1.5 },
  { waterClass: 3, doMinMgL: 4.0, bodMaxMgL: 2.0 },
  { waterClass: 4, doMinMgL: 2.0, bodMaxMgL: 4.0 },
];

const phMin = 5;
const phMax = 9;
const nh3nMaxMgL = 0.5;

function known(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** The best class the sample meets, or null when DO or pH is missing (the class needs both). */
export function surfaceWaterClass(sample: WaterSample): WaterClassResult | null {
  if (!known(sample.doMgL) || !known(sample.ph)) return null;
  const basis = ['do', 'ph'];
  const bod = known(sample.bodMgL) ? sample.bodMgL : null;
  const nh3n = known(sample.nh3nMgL) ? sample.nh3nMgL : null;
  if (bod !== null) basis.push('bod');
  if (nh3n !== null) basis.push('nh3_n');
  const phOk = sample.ph >= phMin && sample.ph <= phMax;
  const nh3nOk = nh3n === null || nh3n <= nh3nMaxMgL;
  if (phOk && nh3nOk) {
    for (const limit of classLimits) {
      if (sample.doMgL >= limit.doMinMgL && (bod === null || bod <= limit.bodMaxMgL)) return { waterClass: limit.waterClass, basis };
    }
  }
  return { waterClass: 5, basis };
}

export const waterClassNames: Record<SurfaceWaterClass, { en: string; th: string }> = {
  2: { en: 'Class 2: consumption after ordinary treatment, fisheries, recreation', th: 'ประเภทที่ 2: อุปโภคบริโภคโดยผ่านการฆ่าเชื้อโรคตามปกติ การประมง นันทนาการ' },
  3: { en: 'Class 3: consumption after ordinary treatment, agriculture', th: 'ประเภทที่ 3: อุปโภคบริโภคโดยผ่านการฆ่าเชื้อโรคและปรับปรุงคุณภาพน้ำ การเกษตร' },
  4: { en: 'Class 4: consumption after special treatment, industry', th: 'ประเภทที่ 4: อุปโภคบริโภคโดยผ่านการบำบัดพิเศษ อุตสาหกรรม' },
  5: { en: 'Class 5: navigation only', th: 'ประเภทที่ 5: การคมนาคม' },
};
