/**
 * Piecewise-linear index calculation shared by the Thai (PCD) and US (EPA) AQI: inside a band,
 * I = (Ihi - Ilo) / (Chi - Clo) x (C - Clo) + Ilo, rounded to an integer. Concentrations are first
 * truncated to the table's precision (both agencies truncate, they do not round), so that a value
 * between two bands (15.04 ug/m3) falls in the lower one.
 */
export interface AqiBand {
  /** Lowest and highest concentration of the band, at the table's precision. */
  cLow: number;
  cHigh: number;
  iLow: number;
  iHigh: number;
}

/** Truncates to `decimals` places, tolerating binary noise (15.1 stored as 15.0999999). */
export function truncateTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.floor(value * factor + 1e-9) / factor;
}

/**
 * The index of a concentration in a band table, or null for a negative or non-finite input.
 * Above the last band the last band's line is extended (both tables leave the top open).
 */
export function interpolateIndex(bands: readonly AqiBand[], concentration: number, decimals: number): number | null {
  if (!Number.isFinite(concentration) || concentration < 0) return null;
  const c = truncateTo(concentration, decimals);
  const last = bands[bands.length - 1]!;
  const band = bands.find((b) => c <= b.cHigh) ?? last;
  const index = ((band.iHigh - band.iLow) / (band.cHigh - band.cLow)) * (c - band.cLow) + band.iLow;
  return Math.round(index);
}

/** A level of an index scale, named in Thai and English, with its colour. */
export interface AqiLevel {
  /** Stable key for rules and dashboards (`very-good`, `unhealthy-sensitive`). */
  key: string;
  /** Highest index of the level (inclusive). */
  maxIndex: number;
  en: string;
  th: string;
  colour: { en: string; th: string; hex: string };
}

/** The level an index falls in (the last level covers everything above). */
export function levelOf(levels: readonly AqiLevel[], index: number): AqiLevel {
  return levels.find((l) => index <= l.maxIndex) ?? levels[levels.length - 1]!;
}
