/** What a handed-out row is: a reading or a stored message, and the stream it counts against. */
export interface Flight {
  table: 'readings' | 'messages';
  stream: string;
}

/**
 * Rows handed out and not yet settled, and where sending goes on. A row is busy from nextBatch
 * until its PUBACK has been committed as a delete (or until it is released); busy rows are not
 * handed out again and retention leaves them alone.
 */
export class Flights {
  private readonly inflight = new Map<number, Flight>();
  /** Acknowledged, deleted at the next commit. */
  private readonly acked = new Set<number>();
  private pendingAcks: number[] = [];
  /** Last reading id handed out (or skipped) on each lane. */
  liveCursor = 0;
  historyCursor = 0;
  private liveSinceMs = Number.NaN;

  isBusy(id: number): boolean {
    return this.inflight.has(id) || this.acked.has(id);
  }

  /** Rows handed out and not acknowledged yet (their payload is on its way as it was). */
  inflightIds(): number[] {
    return [...this.inflight.keys()];
  }

  busyCount(): number {
    return this.inflight.size + this.acked.size;
  }

  /** A new connection (new `liveSinceMs`): what was live may now be backlog, so rescan both lanes. */
  connection(liveSinceMs: number): void {
    if (liveSinceMs === this.liveSinceMs) return;
    this.liveSinceMs = liveSinceMs;
    this.liveCursor = 0;
    this.historyCursor = 0;
  }

  handOut(ids: number[], flight: Flight): void {
    for (const id of ids) this.inflight.set(id, flight);
  }

  /** The broker acknowledged these: returns the ones that were in flight (each counted once). */
  acknowledge(ids: number[]): Flight[] {
    const settled: Flight[] = [];
    for (const id of ids) {
      const flight = this.inflight.get(id);
      // Not in flight: already acknowledged, or released; either way counted once.
      if (!flight) continue;
      this.inflight.delete(id);
      this.acked.add(id);
      this.pendingAcks.push(id);
      settled.push(flight);
    }
    return settled;
  }

  /** Back to waiting: the cursors step back so the rows go out again, in order. */
  release(ids: number[]): void {
    for (const id of ids) {
      const flight = this.inflight.get(id);
      if (!flight) continue;
      this.inflight.delete(id);
      if (flight.table === 'readings') {
        this.liveCursor = Math.min(this.liveCursor, id - 1);
        this.historyCursor = Math.min(this.historyCursor, id - 1);
      }
    }
  }

  /** Acknowledged rows whose delete the next commit carries. */
  acksToCommit(): number[] {
    return this.pendingAcks;
  }

  /** The commit carrying these deletes succeeded. */
  acksCommitted(ids: number[]): void {
    for (const id of ids) this.acked.delete(id);
    this.pendingAcks = this.pendingAcks.length === ids.length ? [] : this.pendingAcks.slice(ids.length);
  }
}
