/**
 * Ingest benchmark: readings per second committed to the SqliteOutbox, against plain
 * better-sqlite3 inserts of the same readings (one JSON row each, same WAL and sync settings, same
 * rows per transaction), measured in the same run. Also bytes on disk per stored reading.
 *
 *   node --disable-warning=ExperimentalWarning test/bench/outbox-ingest.ts [readings] [perCommit]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { silentLogger } from '../../core/log.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { toPayload, type NewReading } from '../../core/reading.ts';
import { benchReading } from '../helpers/outbox-fixtures.ts';

const total = Number(process.argv[2] ?? 300_000);
const perCommit = Number(process.argv[3] ?? 1000);
const devices = 8;

function reading(i: number): NewReading {
  return benchReading(i, devices);
}

function usedBytes(db: BetterSqlite3.Database): number {
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  return ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * pageSize;
}

function baseline(dir: string): { perS: number; bytesPerReading: number } {
  const db = new BetterSqlite3(join(dir, 'plain.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE readings (id INTEGER PRIMARY KEY, device TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL)');
  const insert = db.prepare('INSERT INTO readings (device, seq, payload) VALUES (?, ?, ?)');
  const seqs = new Map<string, number>();
  const started = performance.now();
  for (let start = 0; start < total; start += perCommit) {
    db.transaction(() => {
      for (let i = start; i < Math.min(total, start + perCommit); i++) {
        const r = reading(i);
        const seq = (seqs.get(r.device) ?? 0) + 1;
        seqs.set(r.device, seq);
        insert.run(r.device, seq, JSON.stringify(toPayload({ ...r, seq })));
      }
    })();
  }
  const perS = total / ((performance.now() - started) / 1000);
  const bytesPerReading = usedBytes(db) / total;
  db.close();
  return { perS, bytesPerReading };
}

function outbox(dir: string): { perS: number; bytesPerReading: number } {
  const config = bufferSchema.parse({ commitInterval: '60s', minFreeDisk: 0, maxRows: 100_000_000, maxBytes: '8GB' });
  const box = new SqliteOutbox({ config, dataDir: dir, log: silentLogger() });
  box.open();
  const started = performance.now();
  for (let start = 0; start < total; start += perCommit) {
    for (let i = start; i < Math.min(total, start + perCommit); i++) box.appendReading(reading(i));
    box.flush();
  }
  const perS = total / ((performance.now() - started) / 1000);
  box.close();
  const db = new BetterSqlite3(join(dir, 'outbox.db'));
  const bytesPerReading = usedBytes(db) / total;
  db.close();
  return { perS, bytesPerReading };
}

const dir = mkdtempSync(join(tmpdir(), 'citygw-bench-ingest-'));
try {
  // Alternate and keep the best of each, so a busy neighbour does not decide the ratio.
  const runs = 2;
  let base = { perS: 0, bytesPerReading: 0 };
  let ours = { perS: 0, bytesPerReading: 0 };
  for (let run = 0; run < runs; run++) {
    const runDir = mkdtempSync(join(dir, `run-${run}-`));
    const b = baseline(runDir);
    const o = outbox(runDir);
    if (b.perS > base.perS) base = b;
    if (o.perS > ours.perS) ours = o;
  }
  const line = (name: string, r: { perS: number; bytesPerReading: number }): string => `${name.padEnd(34)} ${Math.round(r.perS).toLocaleString('en-US').padStart(10)} readings/s  ${r.bytesPerReading.toFixed(1).padStart(6)} bytes/reading on disk`;
  process.stdout.write(`ingest: ${total.toLocaleString('en-US')} 4-value readings, ${devices} devices, ${perCommit} per commit, WAL, synchronous=NORMAL, best of ${runs}\n`);
  process.stdout.write(line('baseline (plain better-sqlite3 JSON)', base) + '\n');
  process.stdout.write(line('SqliteOutbox', ours) + '\n');
  const ratio = ours.perS / base.perS;
  process.stdout.write(`ratio: ${ratio.toFixed(2)} of baseline (target >= 0.80) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}\n`);
  process.stdout.write(`bytes per reading: ${ours.bytesPerReading.toFixed(1)} (target <= 100) ${ours.bytesPerReading <= 100 ? 'OK' : 'ABOVE TARGET'}\n`);
  const threeDays = 3 * 86_400 * 10; // e.g. 10 readings per second for the whole gateway
  process.stdout.write(`a 3-day outage at 10 readings/s (${threeDays.toLocaleString('en-US')} readings) takes about ${((threeDays * ours.bytesPerReading) / 1024 ** 2).toFixed(0)} MB\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
