/**
 * Rolling means over the last 1 h, 8 h and 24 h from per-minute buckets (sum and count), so memory
 * is bounded (at most 1440 buckets a point) whatever the reading rate, and the state is a small
 * JSON document that survives a restart.
 */
const bucketMs = 60_000;
const keepMs = 24 * 3_600_000;

export interface BucketState {
  /** [bucket start (ms), sum, count], oldest first. */
  buckets: Array<[number, number, number]>;
}

export interface WindowMean {
  mean: number | null;
  /** Share of the window that the held history spans (0-1): 0.25 means the 24 h mean rests on 6 h. */
  coverage: number;
}

interface Bucket {
  startMs: number;
  sum: number;
  count: number;
}

export class RollingMean {
  /** Sorted by start, oldest first (readings arrive in time order, so appends are the common case). */
  #buckets: Bucket[] = [];

  add(tsMs: number, value: number): void {
    if (!Number.isFinite(value) || !Number.isFinite(tsMs)) return;
    const startMs = Math.floor(tsMs / bucketMs) * bucketMs;
    let i = this.#buckets.length - 1;
    while (i >= 0 && this.#buckets[i]!.startMs > startMs) i--;
    const at = this.#buckets[i];
    if (at && at.startMs === startMs) {
      at.sum += value;
      at.count += 1;
    } else {
      this.#buckets.splice(i + 1, 0, { startMs, sum: value, count: 1 });
    }
    this.prune(Math.max(tsMs, this.#buckets[this.#buckets.length - 1]!.startMs));
  }

  /** Drops buckets older than 24 h before `nowMs`. */
  prune(nowMs: number): void {
    let drop = 0;
    while (drop < this.#buckets.length && this.#buckets[drop]!.startMs <= nowMs - keepMs) drop++;
    if (drop > 0) this.#buckets.splice(0, drop);
  }

  /** The mean of the readings in the window (nowMs - windowMs, nowMs]: each reading weighs the same. */
  mean(windowMs: number, nowMs: number): WindowMean {
    let sum = 0;
    let count = 0;
    let oldestMs = nowMs;
    const from = nowMs - windowMs;
    for (let i = this.#buckets.length - 1; i >= 0; i--) {
      const b = this.#buckets[i]!;
      if (b.startMs <= from) break;
      if (b.startMs > nowMs) continue;
      sum += b.sum;
      count += b.count;
      oldestMs = b.startMs;
    }
    return { mean: count === 0 ? null : sum / count, coverage: count === 0 ? 0 : Math.min(1, (nowMs - oldestMs) / windowMs) };
  }

  toJSON(): BucketState {
    return { buckets: this.#buckets.map((b) => [b.startMs, b.sum, b.count]) };
  }

  static fromJSON(state: unknown): RollingMean {
    const rolling = new RollingMean();
    if (typeof state !== 'object' || state === null || !('buckets' in state) || !Array.isArray(state.buckets)) return rolling;
    for (const row of state.buckets as unknown[]) {
      if (!Array.isArray(row) || row.length !== 3 || !row.every((x) => typeof x === 'number' && Number.isFinite(x))) continue;
      const [startMs, sum, count] = row as [number, number, number];
      if (count > 0) rolling.#buckets.push({ startMs, sum, count });
    }
    rolling.#buckets.sort((a, b) => a.startMs - b.startMs);
    return rolling;
  }
}
