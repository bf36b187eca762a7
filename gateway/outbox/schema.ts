import type { Database } from 'better-sqlite3';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

/**
 * The outbox's on-disk layout. Readings are stored compactly: a `shapes` row holds a device's kind,
 * point names and units once, and each `readings` row holds only the shape id, seq, time, quality
 * and the values as a JSON array (see codec.ts). Alerts and health snapshots are few and go to
 * `messages` as ready-to-send JSON. One id space covers both tables (assigned in memory), so an
 * outgoing message's ids are unambiguous.
 */
export const schemaVersion = 2;

const ddl = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS devices (
  name TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  reserved INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shapes (
  id INTEGER PRIMARY KEY,
  device TEXT NOT NULL,
  kind TEXT NOT NULL,
  points TEXT NOT NULL,
  units TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS readings (
  id INTEGER PRIMARY KEY,
  shape INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  q INTEGER NOT NULL,
  v TEXT NOT NULL,
  r TEXT
);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY,
  lane INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
  stream TEXT PRIMARY KEY,
  produced INTEGER NOT NULL DEFAULT 0,
  stored INTEGER NOT NULL DEFAULT 0,
  sent INTEGER NOT NULL DEFAULT 0,
  acknowledged INTEGER NOT NULL DEFAULT 0,
  evicted INTEGER NOT NULL DEFAULT 0,
  expired INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
`;

/** Lane numbers as stored in `messages.lane`. */
export const messageLanes = { alert: 0, health: 1 } as const;

export interface PragmaOptions {
  sync: 'normal' | 'full';
}

/**
 * Connection settings. WAL lets a commit be one sequential append; `synchronous=NORMAL` in WAL
 * mode survives a process crash (SIGKILL) completely and a power cut up to the last checkpointed
 * commit; `FULL` fsyncs every commit. Incremental auto-vacuum lets the file shrink after a drain.
 */
export function applyPragmas(db: Database, options: PragmaOptions): void {
  // auto_vacuum must be chosen before the first table exists; harmless on an existing file.
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('temp_store = MEMORY');
  // Checkpoint in bigger steps than the default 1000 pages: fewer small random writes on SD cards.
  db.pragma('wal_autocheckpoint = 4000');
  // ... and give the WAL file back down to 16 MB after a checkpoint, so its size stays bounded.
  db.pragma(`journal_size_limit = ${16 * 1024 * 1024}`);
}

/** Creates or upgrades the tables; refuses a file written by a newer version. */
export function migrate(db: Database): void {
  db.exec(ddl);
  const row = db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'schema'").get();
  if (row === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(schemaVersion);
    return;
  }
  if (row.value < 2) {
    // 1 -> 2: seq numbers reserved ahead of use (seq-numbers.ts).
    db.exec('ALTER TABLE devices ADD COLUMN reserved INTEGER NOT NULL DEFAULT 0');
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(schemaVersion);
  }
  if (row.value > schemaVersion) {
    // Not StorageCorrupt: a corrupt file is moved aside and replaced, which would strand every
    // unsent reading in it. Refusing to start lets the update launcher roll back to the release
    // that wrote it.
    throw new GatewayError(ErrorCodes.StorageTooNew, `outbox file has schema ${row.value}, this gateway knows up to ${schemaVersion}; run the newer release (it is kept in /opt/citygw/releases)`, {
      context: { schema: row.value },
    });
  }
}
