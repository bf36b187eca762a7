import type { Database } from 'better-sqlite3';
import type { TimeCorrection } from '../clock/timekeeper.ts';
import type { ShapeDictionary } from './codec.ts';
import { timeQualityCodes as tq } from './schema.ts';

export interface RestampOrder extends Pick<TimeCorrection, 'reason' | 'offsetMs' | 'sinceMonoMs'> {
  /** This boot's id in `boots`. */
  bootRow: number;
  /** UTC now (after the correction). */
  nowMs: number;
  /**
   * Rows in flight: left as they are, so that a repeat after a lost PUBACK is identical to what
   * was sent (upstream fixes both from the correction event).
   */
  inflightIds: number[];
}

/**
 * Re-stamps readings still in the outbox after the clock was corrected (inside the caller's
 * transaction). Returns how many rows of this boot were re-stamped.
 *
 * - `synced`: every reading of this boot stamped `estimated` or `unsynced` gets
 *   ts = mono + offset, `corrected`. One offset for all of them, so their order is their
 *   monotonic order, and none is later than now.
 * - `step` (the clock jumped while synced): the readings stamped since the previous offset was
 *   taken get the new one, `corrected`.
 * - Rows in flight keep their stamp (a repeat is identical to what was sent).
 * - Readings of earlier boots stamped `unsynced` cannot be corrected (their monotonic clock is
 *   gone); they keep their mark, but are held no later than now and no later than their device's
 *   first reading of this boot, so a device's readings never run backwards in time.
 */
export function restamp(db: Database, order: RestampOrder, shapes: ShapeDictionary): number {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS restamp_skip (id INTEGER PRIMARY KEY); DELETE FROM restamp_skip');
  const skip = db.prepare('INSERT OR IGNORE INTO restamp_skip (id) VALUES (?)');
  for (const id of order.inflightIds) skip.run(id);
  const notInFlight = 'AND id NOT IN (SELECT id FROM restamp_skip)';
  const restamped =
    order.reason === 'synced'
      ? db.prepare(`UPDATE readings SET ts = mono + ?, tq = ? WHERE boot = ? AND tq IN (?, ?) AND mono IS NOT NULL ${notInFlight}`).run(order.offsetMs, tq.corrected, order.bootRow, tq.estimated, tq.unsynced).changes
      : db.prepare(`UPDATE readings SET ts = mono + ?, tq = ? WHERE boot = ? AND tq = ? AND mono >= ? ${notInFlight}`).run(order.offsetMs, tq.corrected, order.bootRow, tq.synced, order.sinceMonoMs).changes;
  db.exec('DELETE FROM restamp_skip');
  if (order.reason === 'synced') capEarlierBoots(db, order, shapes);
  return restamped;
}

function capEarlierBoots(db: Database, order: RestampOrder, shapes: ShapeDictionary): void {
  const earlier = db.prepare<[number, number], { n: number }>('SELECT count(*) AS n FROM readings WHERE tq = ? AND (boot IS NULL OR boot != ?)').get(tq.unsynced, order.bootRow)!.n;
  if (earlier === 0) return;
  const firstOfBoot = new Map<string, number>();
  for (const row of db.prepare<[number], { shape: number; ts: number }>('SELECT shape, min(ts) AS ts FROM readings WHERE boot = ? GROUP BY shape').all(order.bootRow)) {
    const device = shapes.get(row.shape)?.device;
    if (device !== undefined) firstOfBoot.set(device, Math.min(row.ts, firstOfBoot.get(device) ?? Number.POSITIVE_INFINITY));
  }
  const cap = db.prepare('UPDATE readings SET ts = min(ts, ?) WHERE shape = ? AND tq = ? AND (boot IS NULL OR boot != ?)');
  for (const row of db.prepare<[number, number], { shape: number }>('SELECT DISTINCT shape FROM readings WHERE tq = ? AND (boot IS NULL OR boot != ?)').all(tq.unsynced, order.bootRow)) {
    const device = shapes.get(row.shape)?.device;
    const limit = Math.min(order.nowMs, device === undefined ? Number.POSITIVE_INFINITY : (firstOfBoot.get(device) ?? Number.POSITIVE_INFINITY));
    cap.run(limit, row.shape, tq.unsynced, order.bootRow);
  }
}
