import type { PointLimits } from '../../core/family-schema.ts';

/**
 * Plausibility of one device's numeric points: range, spike, flat-line and stuck value. A check
 * never changes a value; it returns reasons, and the processor marks the reading `uncertain`.
 */
interface PointState {
  last: number;
  /** Value and time the current flat stretch started from. */
  flatRef: number;
  flatSinceMs: number;
  repeats: number;
}

function fmt(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

export class PlausibilityChecker {
  readonly #limits: Record<string, PointLimits>;
  readonly #state = new Map<string, PointState>();

  constructor(limits: Record<string, PointLimits>) {
    this.#limits = limits;
  }

  /** Checks the values of one reading; returns a reason per implausible point. */
  check(values: Record<string, unknown>, tsMs: number): Record<string, string> {
    const reasons: Record<string, string> = {};
    for (const [point, limits] of Object.entries(this.#limits)) {
      const value = values[point];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const reason = this.#checkPoint(point, value, tsMs, limits);
      if (reason !== null) reasons[point] = reason;
    }
    return reasons;
  }

  #checkPoint(point: string, value: number, tsMs: number, limits: PointLimits): string | null {
    const previous = this.#state.get(point);
    const state: PointState = previous ?? { last: value, flatRef: value, flatSinceMs: tsMs, repeats: 0 };
    const found: string[] = [];
    if (limits.min !== undefined && value < limits.min) found.push(`range: ${fmt(value)} below min ${fmt(limits.min)}`);
    if (limits.max !== undefined && value > limits.max) found.push(`range: ${fmt(value)} above max ${fmt(limits.max)}`);
    if (previous && limits.maxStep !== undefined && Math.abs(value - previous.last) > limits.maxStep) {
      found.push(`spike: changed ${fmt(value - previous.last)} in one reading (max step ${fmt(limits.maxStep)})`);
    }
    state.repeats = previous && value === previous.last ? previous.repeats + 1 : 1;
    if (limits.stuckCount !== undefined && state.repeats >= limits.stuckCount) found.push(`stuck: ${state.repeats} identical values`);
    if (Math.abs(value - state.flatRef) > limits.flatlineTolerance) {
      state.flatRef = value;
      state.flatSinceMs = tsMs;
    }
    if (limits.flatlineFor !== undefined && tsMs - state.flatSinceMs >= limits.flatlineFor) {
      found.push(`flat-line: within ${fmt(limits.flatlineTolerance)} for ${Math.round((tsMs - state.flatSinceMs) / 60_000)} min`);
    }
    state.last = value;
    this.#state.set(point, state);
    return found.length > 0 ? found.join('; ') : null;
  }
}
