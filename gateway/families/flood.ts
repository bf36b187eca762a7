import type { FloodLevelFamilyConfig } from '../../core/family-schema.ts';

/** A station's stage thresholds (present when the flood-level family decides the stage). */
export type FloodStages = NonNullable<FloodLevelFamilyConfig['stages']>;

/**
 * Flood-level arithmetic for one station: level against the datum, stage with hysteresis and a
 * minimum hold, and rate of rise. Pure (time comes in with each sample), so it is tested without
 * clocks and reused by the processor.
 */
export const floodStages = ['normal', 'watch', 'alert', 'critical'] as const;
export type FloodStage = (typeof floodStages)[number];

const metresPer: Record<FloodLevelFamilyConfig['unit'], number> = { m: 1, cm: 0.01, mm: 0.001 };

/** The level against the station datum (m) from a raw measurement, or null if it cannot be referred. */
export function levelAgainstDatumM(raw: number, config: Pick<FloodLevelFamilyConfig, 'unit' | 'datum'>): number | null {
  const metres = raw * metresPer[config.unit];
  if (config.datum.mode === 'distance') {
    if (config.datum.sensorElevationM === undefined) return null;
    return config.datum.sensorElevationM - metres;
  }
  return metres + config.datum.offsetM;
}

/** The stage a level is in, ignoring history (thresholds inclusive). */
export function stageOf(levelM: number, stages: FloodStages, loweredByM = 0): FloodStage {
  if (levelM >= stages.criticalM - loweredByM) return 'critical';
  if (levelM >= stages.alertM - loweredByM) return 'alert';
  if (levelM >= stages.watchM - loweredByM) return 'watch';
  return 'normal';
}

/**
 * Stage with hysteresis: rises at once (a warning must not wait), falls only when the level is
 * `hysteresisM` below the lower stage's threshold and the current stage has been held `minHold`.
 */
export class StageTracker {
  #stage: FloodStage = 'normal';
  #sinceMs = Number.NEGATIVE_INFINITY;
  readonly #stages: FloodStages;

  /** `from`: a stage held before a restart, and since when (ms), so its hold is not lost. */
  constructor(stages: FloodStages, from?: { stage: FloodStage; sinceMs: number }) {
    this.#stages = stages;
    if (from) {
      this.#stage = from.stage;
      this.#sinceMs = from.sinceMs;
    }
  }

  get stage(): FloodStage {
    return this.#stage;
  }

  /** When the current stage was entered (reading time, ms). */
  get sinceMs(): number {
    return this.#sinceMs;
  }

  /** Feeds one level; returns the stage after it. */
  update(levelM: number, tsMs: number): FloodStage {
    const rank = (s: FloodStage): number => floodStages.indexOf(s);
    const raw = stageOf(levelM, this.#stages);
    if (rank(raw) > rank(this.#stage)) {
      this.#stage = raw;
      this.#sinceMs = tsMs;
      return this.#stage;
    }
    const lowered = stageOf(levelM, this.#stages, this.#stages.hysteresisM);
    if (rank(lowered) < rank(this.#stage) && tsMs - this.#sinceMs >= this.#stages.minHold) {
      this.#stage = lowered;
      this.#sinceMs = tsMs;
    }
    return this.#stage;
  }
}

/**
 * Rate of rise (cm/h) over a sliding window: the least-squares slope of the samples in it, which
 * a single noisy sample moves far less than a first-to-last difference.
 */
export class RiseRate {
  readonly #windowMs: number;
  readonly #minSpanMs: number;
  #samples: Array<{ tsMs: number; levelM: number }> = [];

  constructor(windowMs: number, minSpanMs: number = windowMs / 4) {
    this.#windowMs = windowMs;
    this.#minSpanMs = minSpanMs;
  }

  /** Adds a sample; returns the rate in cm/h, or null until the samples span `minSpan`. */
  add(tsMs: number, levelM: number): number | null {
    const last = this.#samples[this.#samples.length - 1];
    if (last && tsMs <= last.tsMs) this.#samples = this.#samples.filter((s) => s.tsMs < tsMs);
    this.#samples.push({ tsMs, levelM });
    const oldest = tsMs - this.#windowMs;
    while (this.#samples.length > 0 && this.#samples[0]!.tsMs < oldest) this.#samples.shift();
    return this.rateCmH();
  }

  rateCmH(): number | null {
    const n = this.#samples.length;
    if (n < 2) return null;
    const t0 = this.#samples[0]!.tsMs;
    if (this.#samples[n - 1]!.tsMs - t0 < this.#minSpanMs) return null;
    let sumT = 0;
    let sumL = 0;
    for (const s of this.#samples) {
      sumT += (s.tsMs - t0) / 3_600_000;
      sumL += s.levelM;
    }
    const meanT = sumT / n;
    const meanL = sumL / n;
    let num = 0;
    let den = 0;
    for (const s of this.#samples) {
      const dt = (s.tsMs - t0) / 3_600_000 - meanT;
      num += dt * (s.levelM - meanL);
      den += dt * dt;
    }
    if (den === 0) return null;
    return Math.round((num / den) * 100 * 100) / 100;
  }
}
