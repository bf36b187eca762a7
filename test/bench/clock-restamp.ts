/**
 * Clock correction benchmark: how long the outbox takes to re-stamp a day's backlog of readings
 * taken before the clock was synchronised (one transaction, while nothing else is committed),
 * against committing the same readings in the first place (the baseline, same run, same file
 * settings). Also what stamping costs per reading, against building the reading object alone.
 *
 *   node --disable-warning=ExperimentalWarning test/bench/clock-restamp.ts [readings]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../core/log.ts';
import { systemClock, Timekeeper } from '../../gateway/clock/index.ts';
import { AssumeSyncedSource } from '../../gateway/clock/sync-source.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { benchReading } from '../helpers/outbox-fixtures.ts';

const total = Number(process.argv[2] ?? 200_000);
const devices = 8;
const perCommit = 1000;

const dir = mkdtempSync(join(tmpdir(), 'citygw-bench-restamp-'));
try {
  const config = bufferSchema.parse({ commitInterval: '60s', minFreeDisk: 0, maxRows: 100_000_000, maxBytes: '8GB' });
  const box = new SqliteOutbox({ config, dataDir: dir, log: silentLogger(), bootId: 'bench-boot' });
  box.open();
  const t0 = Date.UTC(2026, 10, 21);
  let started = performance.now();
  for (let i = 0; i < total; i++) {
    box.appendReading({ ...benchReading(i, devices, t0), monoMs: 1_000_000 + i * 125, timeQuality: 'unsynced' });
    if ((i + 1) % perCommit === 0) box.flush();
  }
  box.flush();
  const ingestMs = performance.now() - started;
  started = performance.now();
  const restamped = box.applyTimeCorrection({ reason: 'synced', bootId: 'bench-boot', source: 'bench', offsetMs: 3 * 86_400_000, previousOffsetMs: null, sinceMonoMs: 0, devices: [], announce: false });
  const restampMs = performance.now() - started;
  box.close();

  const tk = new Timekeeper({ clock: systemClock, source: new AssumeSyncedSource(), bootId: 'b', log: silentLogger(), checkIntervalMs: 60_000, stepThresholdMs: 1_000 });
  await tk.start();
  tk.stop();
  const n = 1_000_000;
  let sink = 0;
  started = performance.now();
  for (let i = 0; i < n; i++) sink += benchReading(i, devices, t0).tsMs;
  const buildNs = ((performance.now() - started) * 1e6) / n;
  started = performance.now();
  for (let i = 0; i < n; i++) {
    const r = benchReading(i, devices, t0);
    sink += tk.stamp(r.device, r.tsMs).tsMs;
  }
  const stampNs = ((performance.now() - started) * 1e6) / n - buildNs;

  console.log(`readings re-stamped:          ${restamped} (of ${total})`);
  console.log(`re-stamp after sync:          ${restampMs.toFixed(0)} ms  (${((restampMs * 1000) / total).toFixed(2)} us/reading)`);
  console.log(`baseline, committing them:    ${ingestMs.toFixed(0)} ms  (${((ingestMs * 1000) / total).toFixed(2)} us/reading)`);
  console.log(`stamp per reading:            ${stampNs.toFixed(0)} ns`);
  console.log(`baseline, building a reading: ${buildNs.toFixed(0)} ns  (checksum ${sink % 7})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
