/**
 * When each group commit happened and which row ids it started at, so that "stored before the
 * connection came up" (backlog) can be told from "stored since" (live) without a time column per
 * row. Only recent commits are kept: a row older than the oldest kept commit that is still unsent
 * is backlog anyway. Rows found at open were stored before this process ran: backlog.
 */
export class CommitLog {
  private atMs: number[] = [];
  private firstIds: number[] = [];
  private readonly capacity: number;
  /** Rows below this id predate everything kept here. */
  private floorId: number;

  constructor(firstIdOfProcess: number, capacity = 8192) {
    this.floorId = firstIdOfProcess;
    this.capacity = capacity;
  }

  record(atMs: number, firstId: number): void {
    this.atMs.push(atMs);
    this.firstIds.push(firstId);
    if (this.atMs.length > this.capacity) {
      const drop = this.capacity >> 1;
      this.floorId = this.firstIds[drop]!;
      this.atMs = this.atMs.slice(drop);
      this.firstIds = this.firstIds.slice(drop);
    }
  }

  /** The first row id stored at or after `sinceMs`; `nextId` when nothing was stored since. */
  firstIdSince(sinceMs: number, nextId: number): number {
    let lo = 0;
    let hi = this.atMs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.atMs[mid]! < sinceMs) lo = mid + 1;
      else hi = mid;
    }
    if (lo === this.atMs.length) return nextId;
    return Math.max(this.firstIds[lo]!, this.floorId);
  }
}
