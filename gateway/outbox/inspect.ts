import { statSync } from 'node:fs';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { addCounters, alertStream, emptyStreamCounters, healthStream } from './counters.ts';
import { messageLanes } from './schema.ts';
import type { OutboxStats, StreamCounters } from './types.ts';

/** Per stream: rows waiting, oldest measurement time, and (readings) the lowest row id. */
export interface StreamScan {
  depth: number;
  oldestTsMs: number | null;
  firstId: number | null;
}

/** Rows waiting and the oldest reading time per stream, read from the tables (one full pass). */
export function depthAndOldest(db: Database, deviceOfShape: (shape: number) => string | undefined): Map<string, StreamScan> {
  const out = new Map<string, StreamScan>();
  const merge = (stream: string, depth: number, oldestTsMs: number | null, firstId: number | null): void => {
    const entry = out.get(stream) ?? { depth: 0, oldestTsMs: null, firstId: null };
    entry.depth += depth;
    if (oldestTsMs !== null && (entry.oldestTsMs === null || oldestTsMs < entry.oldestTsMs)) entry.oldestTsMs = oldestTsMs;
    if (firstId !== null && (entry.firstId === null || firstId < entry.firstId)) entry.firstId = firstId;
    out.set(stream, entry);
  };
  for (const row of db.prepare<[], { shape: number; n: number; ts: number; id: number }>('SELECT shape, count(*) AS n, min(ts) AS ts, min(id) AS id FROM readings GROUP BY shape').all()) {
    merge(deviceOfShape(row.shape) ?? `shape-${row.shape}`, row.n, row.ts, row.id);
  }
  for (const row of oldestMessages(db)) merge(row.stream, row.n, row.ts, null);
  return out;
}

/** Alerts and health snapshots waiting, with their oldest time (a small table). */
export function oldestMessages(db: Database): Array<{ stream: string; n: number; ts: number }> {
  return db
    .prepare<[], { lane: number; n: number; ts: number }>('SELECT lane, count(*) AS n, min(ts) AS ts FROM messages GROUP BY lane')
    .all()
    .map((row) => ({ stream: row.lane === messageLanes.alert ? alertStream : healthStream, n: row.n, ts: row.ts }));
}

/** Lane totals from per-stream counters: `alert`, `health`, and `reading` (every device). */
export function laneTotals(streams: Record<string, StreamCounters>): Record<string, StreamCounters> {
  const lanes: Record<string, StreamCounters> = { alert: emptyStreamCounters(), health: emptyStreamCounters(), reading: emptyStreamCounters() };
  for (const [name, counters] of Object.entries(streams)) {
    addCounters(name === alertStream ? lanes.alert! : name === healthStream ? lanes.health! : lanes.reading!, counters);
  }
  return lanes;
}

/** The on-disk size of the database and its WAL. */
export function fileBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // no WAL file after a clean close
    }
  }
  return total;
}

/**
 * Reads an outbox file without changing it, for `citygw buffer` while the gateway runs (WAL lets
 * a reader look at the last commit). Counters are as of the gateway's last group commit.
 */
export function inspectOutboxFile(path: string): OutboxStats {
  let db: Database;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  } catch (thrown) {
    throw new GatewayError(ErrorCodes.StorageClosed, `cannot open outbox ${path}: ${toError(thrown).message}`, { cause: thrown, context: { path } });
  }
  try {
    const shapes = new Map(db.prepare<[], { id: number; device: string }>('SELECT id, device FROM shapes').all().map((r) => [r.id, r.device]));
    const streams: Record<string, StreamCounters> = {};
    type CounterRow = Omit<StreamCounters, 'depth' | 'oldestTsMs'> & { stream: string };
    for (const row of db.prepare<[], CounterRow>('SELECT stream, produced, stored, sent, acknowledged, evicted, expired, rejected FROM counters').all()) {
      const { stream, ...counts } = row;
      streams[stream] = { ...emptyStreamCounters(), ...counts };
    }
    for (const [stream, { depth, oldestTsMs }] of depthAndOldest(db, (shape) => shapes.get(shape))) {
      streams[stream] = { ...(streams[stream] ?? emptyStreamCounters()), depth, oldestTsMs };
    }
    return { path, bytesOnDisk: fileBytes(path), lanes: laneTotals(streams), streams, openState: { state: 'ok' } };
  } catch (thrown) {
    throw new GatewayError(ErrorCodes.StorageCorrupt, `cannot read outbox ${path}: ${toError(thrown).message}`, { cause: thrown, context: { path } });
  } finally {
    db.close();
  }
}
