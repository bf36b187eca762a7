/**
 * Rolling means over the last 1 h, 8 h and 24 h from per-minute buckets (sum and count), so memory
 * is bounded (at most 1440 buckets a point) whatever the reading rate, and the state is a small
 * JSON document that survives a restart.
 */
const bucketMs = 60_000;
const keepMs = 24 * 3_600_000;

export interface BucketState {
  /** Bucket start (ms) -> [sum, count]. */
  buckets: Array<[number, number, number]>;
}

export interface WindowMean {
  mean: number | null;
  /** Share of the window that the held history spans (0-1): 0.25 means the 24 h mean rests on 6 h. */
  coverage: number;
}

export class RollingMean {
  #buckets = new Map<number, [number, number]>();

  add(tsMs: number, value: number): void {
    if (!Number.isFinite(value)) return;
    const start = Math.floor(tsMs / bucketMs) * bucketMs;
    const bucket = this.#buckets.get(start);
    if (bucket) {
      bucket[0] += value;
      bucket[1] += 1;
    } else {
      this.#buckets.set(start, [value, 1]);
    }
    this.prune(tsMs);
  }

  /** Drops buckets older than 24 h before `nowMs`. */
  prune(nowMs: number): void {
    for (const start of this.#buckets.keys()) if (start <= nowMs - keepMs) this.#buckets.delete(start);
  }

  /** The mean of the readings in the window (nowMs - windowMs, nowMs]: each reading weighs the same. */
  mean(windowMs: number, nowMs: number): WindowMean {
    let sum = 0;
    let count = 0;
    let oldestMs = nowMs;
    const from = nowMs - windowMs;
    for (const [start, [s, n]] of this.#buckets) {
      if (start <= from || start > nowMs) continue;
      sum += s;
      count += n;
      oldestMs = Math.min(oldestMs, start);
    }
    return { mean: count === 0 ? null : sum / count, coverage: count === 0 ? 0 : Math.min(1, (nowMs - oldestMs) / windowMs) };
  }

  toJSON(): BucketState {
    return { buckets: [...this.#buckets].map(([start, [s, n]]) => [start, s, n]) };
  }

  static fromJSON(state: unknown): RollingMean {
    const rolling = new RollingMean();
    if (typeof state !== 'object' || state === null || !Array.isArray((state as { buckets?: unknown }).buckets)) return rolling;
    for (const row of (state as { buckets: unknown[] }).buckets) {
      if (!Array.isArray(row) || row.length !== 3 || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) continue;
      const [start, s, n] = row as [number, number, number];
      if (n > 0) rolling.#buckets.set(start, [s, n]);
    }
    return rolling;
  }
}
