import type { Database } from 'better-sqlite3';
import type { Logger } from '../../core/log.ts';
import type { ShapeDictionary } from './codec.ts';
import { alertStream, healthStream, type LossCounters } from './counters.ts';
import { depthAndOldest } from './inspect.ts';

/**
 * Rows waiting per stream, kept in memory, and where each device's oldest row is. Alerts and
 * health snapshots are streams too; every other stream is a device.
 */
export class StreamDepth {
  private depth = new Map<string, number>();
  /** Per device, an id at or below its first stored row: a device's first row only moves forward. */
  private readonly firstIdHint = new Map<string, number>();

  /**
   * The loss counters are committed with the rows they count, so `stored - acknowledged -
   * evicted - expired` is the depth without reading the table (a full scan of a large backlog
   * would delay the start by seconds on a small board). Checked against the row counts; if they
   * disagree, the table is scanned once and that is taken.
   */
  load(db: Database, counters: LossCounters, shapes: ShapeDictionary, log: Logger): void {
    this.depth.clear();
    this.firstIdHint.clear();
    let readings = 0;
    let messages = 0;
    for (const stream of counters.streams()) {
      const c = counters.get(stream);
      const n = c.stored - c.acknowledged - c.evicted - c.expired;
      if (n === 0) continue;
      this.add(stream, n);
      if (isMessageStream(stream)) messages += n;
      else readings += n;
    }
    const counted = db.prepare<[], { r: number; m: number }>('SELECT (SELECT count(*) FROM readings) AS r, (SELECT count(*) FROM messages) AS m').get()!;
    if (counted.r === readings && counted.m === messages && [...this.depth.values()].every((n) => n >= 0)) return;
    log.warn({ counted, fromCounters: { readings, messages } }, 'outbox counters disagree with the rows; counting the rows');
    this.depth.clear();
    for (const [stream, scan] of depthAndOldest(db, (shape) => shapes.get(shape)?.device)) {
      this.add(stream, scan.depth);
      if (scan.firstId !== null) this.firstIdHint.set(stream, scan.firstId);
    }
  }

  add(stream: string, n: number): void {
    this.depth.set(stream, (this.depth.get(stream) ?? 0) + n);
  }

  /** A reading row was stored: remember where a device without a known first row starts. */
  stored(device: string, id: number): void {
    if (!this.firstIdHint.has(device)) this.firstIdHint.set(device, id);
  }

  snapshot(): Map<string, number> {
    return new Map(this.depth);
  }

  restore(snapshot: Map<string, number>): void {
    this.depth = new Map(snapshot);
  }

  entries(): IterableIterator<[string, number]> {
    return this.depth.entries();
  }

  total(): number {
    let total = 0;
    for (const n of this.depth.values()) total += n;
    return total;
  }

  /** Alert and health rows not yet acknowledged. */
  messageRows(): number {
    return (this.depth.get(alertStream) ?? 0) + (this.depth.get(healthStream) ?? 0);
  }

  readingRows(): number {
    let rows = 0;
    for (const [stream, n] of this.depth) if (!isMessageStream(stream)) rows += n;
    return rows;
  }

  /** The measurement time of a device's first stored row, scanning forward from last time. */
  oldestOf(db: Database, device: string, shapes: ShapeDictionary): number | null {
    const ids = shapes.idsOf(device);
    if (ids.length === 0) return null;
    const from = this.firstIdHint.get(device) ?? db.prepare<[], { id: number | null }>('SELECT min(id) AS id FROM readings').get()?.id ?? 0;
    const row = db.prepare<number[], { id: number; ts: number }>(`SELECT id, ts FROM readings WHERE id >= ? AND shape IN (${ids.map(() => '?').join(',')}) ORDER BY id LIMIT 1`).get(from, ...ids);
    if (!row) return null;
    this.firstIdHint.set(device, row.id);
    return row.ts;
  }
}

export function isMessageStream(stream: string): boolean {
  return stream === alertStream || stream === healthStream;
}
