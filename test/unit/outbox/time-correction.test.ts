import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { TimeCorrection } from '../../../gateway/clock/index.ts';
import { silentLogger } from '../../../core/log.ts';
import { bufferSchema } from '../../../gateway/outbox/config-schema.ts';
import { schemaVersion } from '../../../gateway/outbox/schema.ts';
import { SqliteOutbox } from '../../../gateway/outbox/sqlite-outbox.ts';
import type { ReadingPayload } from '../../../core/reading.ts';
import { floodReading } from '../../helpers/outbox-fixtures.ts';
import { topicSet } from '../../../gateway/uplink/topics.ts';

const all = { liveSinceMs: 0, maxMessages: 10_000, maxBytes: 1e9 };
const trueNow = Date.UTC(2026, 10, 30, 6, 0, 0);
const dirs: string[] = [];

function outboxIn(dir: string, bootId: string, nowMs = () => trueNow): SqliteOutbox {
  const outbox = new SqliteOutbox({ config: bufferSchema.parse({ commitInterval: '10s', minFreeDisk: 0 }), dataDir: dir, log: silentLogger(), bootId, nowMs });
  outbox.open();
  return outbox;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-restamp-'));
  dirs.push(dir);
  return dir;
}

function payloads(outbox: SqliteOutbox): ReadingPayload[] {
  return outbox.nextBatch(all).flatMap((m) => {
    const body = JSON.parse(m.payload) as ReadingPayload | { readings: ReadingPayload[] };
    return 'readings' in body ? body.readings : [body];
  });
}

function correction(bootId: string, offsetMs: number): TimeCorrection {
  return { reason: 'synced', bootId, source: 'flag-file', offsetMs, previousOffsetMs: null, sinceMonoMs: 0, devices: [], announce: true };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('outbox time correction', () => {
  it('re-stamps unsent readings of this boot from their monotonic time; sent ones are not rewritten', () => {
    const dir = tempDir();
    const outbox = outboxIn(dir, 'boot-a');
    const wrongMs = trueNow - 3 * 86_400_000;
    // Ten readings a minute apart on a clock three days behind, monotonic 5 000 000 ms onwards.
    for (let i = 0; i < 10; i++) outbox.appendReading({ ...floodReading('level', wrongMs + i * 60_000), monoMs: 5_000_000 + i * 60_000, timeQuality: 'unsynced' });
    outbox.flush();
    const sent = outbox.nextBatch({ ...all, maxMessages: 3 });
    expect(sent).toHaveLength(3);
    const first = JSON.parse(sent[0]!.payload) as ReadingPayload;
    expect(first).toMatchObject({ timeQuality: 'unsynced', boot: 'boot-a', monoMs: 5_000_000 });
    outbox.ack(sent.flatMap((m) => m.ids));
    outbox.flush();
    // One more is in flight when the clock is corrected: if its PUBACK is lost, the repeat is identical.
    const [inFlight] = outbox.nextBatch({ ...all, maxMessages: 1 });
    // Synced: UTC = mono + offset, the last reading was taken "now".
    const offsetMs = trueNow - (5_000_000 + 9 * 60_000);
    expect(outbox.applyTimeCorrection(correction('boot-a', offsetMs))).toBe(6);
    const rest = payloads(outbox);
    expect(rest.map((r) => r.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rest.every((r) => r.timeQuality === 'corrected' && r.boot === undefined && r.monoMs === undefined)).toBe(true);
    expect(rest.map((r) => Date.parse(r.ts))).toEqual([4, 5, 6, 7, 8, 9].map((i) => trueNow - (9 - i) * 60_000));
    outbox.release(inFlight!.ids);
    const [again] = outbox.nextBatch({ ...all, maxMessages: 1 });
    expect(again!.payload).toBe(inFlight!.payload);
    // What was sent says how to correct it: monoMs + offsetMs is its true time.
    expect(first.monoMs! + offsetMs).toBe(trueNow - 9 * 60_000);
    outbox.close();
  });

  it('leaves readings of another boot uncorrected, but never after their device\'s first reading of this boot, nor in the future', () => {
    const dir = tempDir();
    const before = outboxIn(dir, 'boot-old');
    // The old boot's clock ran a day ahead.
    before.appendReading({ ...floodReading('level', trueNow + 86_400_000), monoMs: 100, timeQuality: 'unsynced' });
    before.close();
    const outbox = outboxIn(dir, 'boot-new');
    outbox.appendReading({ ...floodReading('level', trueNow - 50_000), monoMs: 2_000, timeQuality: 'unsynced' });
    outbox.applyTimeCorrection(correction('boot-new', trueNow - 3_000));
    const [old, fresh] = payloads(outbox);
    expect(old).toMatchObject({ seq: 1, timeQuality: 'unsynced', boot: 'boot-old', monoMs: 100 });
    expect(fresh).toMatchObject({ seq: 2, timeQuality: 'corrected' });
    expect(Date.parse(fresh!.ts)).toBe(trueNow - 1_000);
    expect(Date.parse(old!.ts)).toBeLessThanOrEqual(Date.parse(fresh!.ts));
    // A correction for another boot touches nothing.
    expect(outbox.applyTimeCorrection(correction('boot-old', 0))).toBe(0);
    outbox.close();
  });

  it('announces nothing by itself: events are queued by the caller and sent on their own topic', () => {
    const dir = tempDir();
    const outbox = outboxIn(dir, 'boot-a');
    outbox.appendEvent({ type: 'clock-correction' });
    outbox.flush();
    const [event] = outbox.nextBatch(all);
    expect(event).toMatchObject({ lane: 'event', readingCount: 0 });
    expect(topicSet('citygw', 'gw').forMessage(event!)).toBe('citygw/gw/events');
    outbox.ack(event!.ids);
    outbox.flush();
    expect(outbox.stats().streams.events).toMatchObject({ produced: 1, stored: 1, sent: 1, acknowledged: 1, depth: 0 });
    outbox.close();
  });

  it('migrates a schema 2 file in place: old rows stay sendable, new rows keep their monotonic time', () => {
    const dir = tempDir();
    const file = join(dir, 'outbox.db');
    const db = new BetterSqlite3(file);
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
      CREATE TABLE devices (name TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, reserved INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE TABLE shapes (id INTEGER PRIMARY KEY, device TEXT NOT NULL, kind TEXT NOT NULL, points TEXT NOT NULL, units TEXT NOT NULL);
      CREATE TABLE readings (id INTEGER PRIMARY KEY, shape INTEGER NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL, q INTEGER NOT NULL, v TEXT NOT NULL, r TEXT);
      CREATE TABLE messages (id INTEGER PRIMARY KEY, lane INTEGER NOT NULL, ts INTEGER NOT NULL, payload TEXT NOT NULL);
      CREATE TABLE counters (stream TEXT PRIMARY KEY, produced INTEGER NOT NULL DEFAULT 0, stored INTEGER NOT NULL DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0, acknowledged INTEGER NOT NULL DEFAULT 0, evicted INTEGER NOT NULL DEFAULT 0, expired INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      INSERT INTO meta VALUES ('schema', 2);
      INSERT INTO devices VALUES ('level', 1, 1);
      INSERT INTO shapes VALUES (1, 'level', 'flood-level', '["level"]', '{"level":"m"}');
      INSERT INTO readings VALUES (1, 1, 1, ${trueNow - 1000}, 0, '[1.5]', NULL);
      INSERT INTO counters (stream, produced, stored) VALUES ('level', 1, 1);
    `);
    db.close();
    const outbox = outboxIn(dir, 'boot-a');
    outbox.appendReading({ ...floodReading('level', trueNow), monoMs: 42, timeQuality: 'estimated' });
    outbox.flush();
    const [old, fresh] = payloads(outbox);
    expect(old).toEqual({ device: 'level', kind: 'flood-level', ts: new Date(trueNow - 1000).toISOString(), seq: 1, values: { level: 1.5 }, units: { level: 'm' }, quality: 'good' });
    expect(fresh).toMatchObject({ seq: 2, timeQuality: 'estimated', boot: 'boot-a', monoMs: 42 });
    outbox.close();
    const check = new BetterSqlite3(file, { readonly: true });
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema'").get()).toEqual({ value: schemaVersion });
    check.close();
  });

  it('refuses a file from a newer gateway and leaves it as it is', () => {
    const dir = tempDir();
    const file = join(dir, 'outbox.db');
    outboxIn(dir, 'boot-a').close();
    const db = new BetterSqlite3(file);
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(schemaVersion + 1);
    db.close();
    expect(() => outboxIn(dir, 'boot-a')).toThrow(/schema/);
    const kept = new BetterSqlite3(file, { readonly: true });
    expect(kept.prepare("SELECT value FROM meta WHERE key = 'schema'").get()).toEqual({ value: schemaVersion + 1 });
    kept.close();
  });
});
