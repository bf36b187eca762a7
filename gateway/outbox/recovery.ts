import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type { Logger } from '../../core/log.ts';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { applyPragmas, migrate, type PragmaOptions } from './schema.ts';
import type { OutboxStats } from './types.ts';

export interface OpenedDatabase {
  db: Database;
  openState: OutboxStats['openState'];
  /**
   * Lowest seq the next reading of any device may take. 0 normally; after a corrupt file was
   * replaced and its seq table could not be read, the clock in milliseconds, which is above any
   * seq the old file can have handed out, so seq stays strictly increasing and upstream sees the
   * loss as a gap.
   */
  seqFloor: number;
}

const sidecars = ['', '-wal', '-shm'];

/**
 * Opens the outbox file, checking it first. A file SQLite cannot read, or one that fails
 * `PRAGMA quick_check`, is moved aside (`outbox.db.corrupt-<time>`, with its -wal and -shm) and
 * replaced by a fresh one: the gateway keeps running and `openState` says what happened, so the
 * caller can raise an alert. A failure to create the fresh file is not hidden (a crash loop would
 * be no better, but a read-only disk is not something a new file can fix).
 */
export function openCheckedDatabase(path: string, options: PragmaOptions, log: Logger, nowMs: number = Date.now()): OpenedDatabase {
  mkdirSync(dirname(path), { recursive: true });
  let reason: string;
  try {
    return { db: openAndCheck(path, options), openState: { state: 'ok' }, seqFloor: 0 };
  } catch (thrown) {
    const error = toError(thrown);
    if (error instanceof GatewayError && error.code === ErrorCodes.StorageTooNew) throw error;
    if (!looksCorrupt(error)) throw new GatewayError(ErrorCodes.StorageClosed, `cannot open outbox ${path}: ${error.message}`, { cause: error, context: { path } });
    reason = error.message;
  }
  const salvagedSeqs = salvageSeqs(path, log);
  const movedTo = `${path}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of sidecars) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  log.error({ path, movedTo, reason, salvagedDevices: salvagedSeqs?.size ?? 0 }, 'outbox file is corrupt: moved aside, starting a new one');
  const db = openAndCheck(path, options);
  let seqFloor = 0;
  if (salvagedSeqs) {
    const insert = db.prepare('INSERT OR REPLACE INTO devices (name, last_seq) VALUES (?, ?)');
    db.transaction(() => {
      for (const [name, seq] of salvagedSeqs) insert.run(name, seq);
    })();
  } else {
    seqFloor = nowMs;
    db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('seq_floor', ?)").run(seqFloor);
  }
  return { db, openState: { state: 'recovered', movedTo, reason }, seqFloor };
}

function openAndCheck(path: string, options: PragmaOptions): Database {
  const db = new BetterSqlite3(path);
  try {
    applyPragmas(db, options);
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new GatewayError(ErrorCodes.StorageCorrupt, `quick_check: ${String(check)}`);
    migrate(db);
    return db;
  } catch (thrown) {
    db.close();
    throw thrown;
  }
}

function looksCorrupt(error: Error): boolean {
  if (error instanceof GatewayError) return error.code === ErrorCodes.StorageCorrupt;
  const code = 'code' in error ? String(error.code) : '';
  return code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_FORMAT' || /malformed|not a database/i.test(error.message);
}

/** Reads the per-device seqs from a damaged file when that part of it is still readable. */
function salvageSeqs(path: string, log: Logger): Map<string, number> | undefined {
  let db: Database | undefined;
  try {
    db = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    // A damaged file may have lost its last commits: resume above the reserved numbers.
    const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_info('devices')").all().map((c) => c.name);
    const reserved = columns.includes('reserved') ? 'reserved' : '0';
    const rows = db.prepare<[], { name: string; last_seq: number; reserved: number }>(`SELECT name, last_seq, ${reserved} AS reserved FROM devices`).all();
    const floor = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'seq_floor'").get()?.value ?? 0;
    return new Map(rows.map((row) => [row.name, Math.max(row.last_seq, row.reserved, floor)]));
  } catch (thrown) {
    log.warn({ path, err: toError(thrown).message }, 'could not read seqs from the corrupt outbox; new seqs start from the clock');
    return undefined;
  } finally {
    db?.close();
  }
}
