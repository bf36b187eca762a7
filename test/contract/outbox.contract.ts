import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertInput } from '../../core/alert.ts';
import type { NewReading, ReadingPayload } from '../../core/reading.ts';
import type { Outbox, OutgoingMessage } from '../../gateway/outbox/types.ts';

/** Limits an implementation under test is created with (a subset of the `buffer` section). */
export interface ContractLimits {
  historyBatch?: number;
}

/**
 * Creates an outbox storing in `dir`; called again with the same dir it must see the same data
 * (a restart).
 */
export type OutboxFactory = (dir: string, limits?: ContractLimits) => Outbox;

const all = { maxMessages: 10_000, maxBytes: 100_000_000 };

export function sample(device: string, tsMs: number, level = 1.25): NewReading {
  return { device, kind: 'flood-level', tsMs, values: { level, battery: 12.6, pump: true, note: null }, units: { level: 'm', battery: 'V' }, quality: 'good' };
}

const alert: AlertInput = { id: 'flood-stage:canal', state: 'raised', severity: 'critical', rule: 'flood-stage', device: 'canal', message: { th: 'ระดับน้ำสูง', en: 'Water level high' } };

function historyPayload(message: OutgoingMessage): ReadingPayload[] {
  return (JSON.parse(message.payload) as { readings: ReadingPayload[] }).readings;
}

/** The behaviour every Outbox must have; run it against each implementation. */
export function outboxContract(name: string, factory: OutboxFactory): void {
  describe(`Outbox contract: ${name}`, () => {
    let dir: string;
    let outbox: Outbox;
    const reopen = (limits?: ContractLimits): Outbox => {
      outbox.close();
      outbox = factory(dir, limits);
      outbox.open();
      return outbox;
    };

    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'citygw-outbox-contract-'));
      outbox = factory(dir);
      outbox.open();
    });
    afterEach(() => {
      outbox.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('gives each device its own strictly increasing seq, kept across a restart', () => {
      expect([outbox.appendReading(sample('a', 1)).seq, outbox.appendReading(sample('a', 2)).seq, outbox.appendReading(sample('b', 3)).seq]).toEqual([1, 2, 1]);
      reopen();
      expect(outbox.appendReading(sample('a', 4)).seq).toBe(3);
      expect(outbox.appendReading(sample('b', 5)).seq).toBe(2);
    });

    it('sends nothing before the commit, then each reading live on its device topic', () => {
      const r1 = outbox.appendReading(sample('canal', 1000, 1.5));
      const r2 = outbox.appendReading(sample('canal', 2000, 1.75));
      expect(outbox.nextBatch({ liveSinceMs: 0, ...all })).toEqual([]);
      outbox.flush();
      const batch = outbox.nextBatch({ liveSinceMs: 0, ...all });
      expect(batch.map((m) => [m.lane, 'device' in m ? m.device : null, m.readingCount])).toEqual([
        ['live', 'canal', 1],
        ['live', 'canal', 1],
      ]);
      const payloads = batch.map((m) => JSON.parse(m.payload) as ReadingPayload);
      expect(payloads.map((p) => [p.seq, p.values.level, p.ts])).toEqual([
        [r1.seq, 1.5, new Date(1000).toISOString()],
        [r2.seq, 1.75, new Date(2000).toISOString()],
      ]);
      expect(payloads[0]).toEqual({ device: 'canal', kind: 'flood-level', ts: new Date(1000).toISOString(), seq: 1, values: { level: 1.5, battery: 12.6, pump: true, note: null }, units: { level: 'm', battery: 'V' }, quality: 'good' });
    });

    it('keeps quality and reasons of a reading', () => {
      outbox.appendReading({ ...sample('canal', 1), values: { level: null }, units: {}, quality: 'bad', reasons: { level: 'timeout' } });
      outbox.flush();
      const [message] = outbox.nextBatch({ liveSinceMs: 0, ...all });
      expect(JSON.parse(message!.payload)).toMatchObject({ quality: 'bad', values: { level: null }, reasons: { level: 'timeout' } });
    });

    it('orders lanes: alerts, then health, then live, then history', () => {
      for (let i = 0; i < 3; i++) outbox.appendReading(sample('old', i));
      outbox.flush();
      const liveSinceMs = Date.now() + 1;
      while (Date.now() < liveSinceMs + 2) { /* the next commit must be later than liveSinceMs */ }
      outbox.appendReading(sample('new', 10));
      outbox.appendHealth({ uptimeS: 5 });
      outbox.appendAlert(alert);
      outbox.flush();
      const batch = outbox.nextBatch({ liveSinceMs, ...all });
      expect(batch.map((m) => m.lane)).toEqual(['alert', 'health', 'live', 'history']);
      expect(batch.map((m) => ('device' in m ? m.device : null))).toEqual([null, null, 'new', 'old']);
      expect(JSON.parse(batch[0]!.payload)).toMatchObject({ id: 'flood-stage:canal', state: 'raised', message: { th: 'ระดับน้ำสูง' } });
      expect(historyPayload(batch[3]!).map((r) => r.seq)).toEqual([1, 2, 3]);
    });

    it('batches the backlog per device, oldest first, at most historyBatch per message', () => {
      outbox = reopen({ historyBatch: 4 });
      for (let i = 0; i < 10; i++) {
        outbox.appendReading(sample('a', i));
        outbox.appendReading(sample('b', i));
      }
      outbox.flush();
      const batch = outbox.nextBatch({ liveSinceMs: Date.now() + 60_000, ...all });
      expect(batch.every((m) => m.lane === 'history' && m.readingCount <= 4)).toBe(true);
      for (const device of ['a', 'b']) {
        const seqs = batch.filter((m) => m.lane === 'history' && m.device === device).flatMap((m) => historyPayload(m).map((r) => r.seq));
        expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      }
      expect(batch.reduce((n, m) => n + m.readingCount, 0)).toBe(20);
      expect(batch.every((m) => m.ids.length === m.readingCount)).toBe(true);
    });

    it('does not hand out rows in flight twice, and resends released ones in order', () => {
      for (let i = 0; i < 5; i++) outbox.appendReading(sample('a', i));
      outbox.flush();
      const first = outbox.nextBatch({ liveSinceMs: 0, maxMessages: 3, maxBytes: 1e9 });
      expect(first).toHaveLength(3);
      const second = outbox.nextBatch({ liveSinceMs: 0, ...all });
      expect(second.map((m) => (JSON.parse(m.payload) as ReadingPayload).seq)).toEqual([4, 5]);
      expect(outbox.nextBatch({ liveSinceMs: 0, ...all })).toEqual([]);
      outbox.ack(first[0]!.ids);
      outbox.release([...first.slice(1), ...second].flatMap((m) => m.ids));
      const again = outbox.nextBatch({ liveSinceMs: 0, ...all });
      expect(again.map((m) => (JSON.parse(m.payload) as ReadingPayload).seq)).toEqual([2, 3, 4, 5]);
      expect(again[0]!.payload).toBe(first[1]!.payload);
    });

    it('removes a row only on ack, and unacknowledged rows survive a restart as backlog', () => {
      for (let i = 0; i < 4; i++) outbox.appendReading(sample('a', i));
      outbox.appendAlert(alert);
      outbox.flush();
      expect(outbox.depth()).toBe(5);
      const batch = outbox.nextBatch({ liveSinceMs: 0, ...all });
      expect(outbox.depth()).toBe(5);
      outbox.ack(batch[0]!.ids); // the alert
      outbox.ack(batch[1]!.ids); // seq 1
      expect(outbox.depth()).toBe(3);
      reopen();
      expect(outbox.depth()).toBe(3);
      const after = outbox.nextBatch({ liveSinceMs: Date.now(), ...all });
      expect(after.map((m) => m.lane)).toEqual(['history']);
      expect(historyPayload(after[0]!).map((r) => r.seq)).toEqual([2, 3, 4]);
    });

    it('with liveSinceMs 0 sends everything live, one reading per message, also rows from before a restart', () => {
      for (let i = 0; i < 3; i++) outbox.appendReading(sample('a', i));
      outbox.flush();
      reopen();
      outbox.appendReading(sample('a', 3));
      outbox.flush();
      const batch = outbox.nextBatch({ liveSinceMs: 0, ...all });
      expect(batch.map((m) => m.lane)).toEqual(['live', 'live', 'live', 'live']);
      expect(batch.map((m) => (JSON.parse(m.payload) as ReadingPayload).seq)).toEqual([1, 2, 3, 4]);
    });

    it('respects maxMessages and maxBytes, but always lets one message through', () => {
      for (let i = 0; i < 10; i++) outbox.appendReading(sample('a', i));
      outbox.flush();
      expect(outbox.nextBatch({ liveSinceMs: 0, maxMessages: 4, maxBytes: 1e9 })).toHaveLength(4);
      const tiny = outbox.nextBatch({ liveSinceMs: 0, maxMessages: 100, maxBytes: 10 });
      expect(tiny).toHaveLength(1);
      const some = outbox.nextBatch({ liveSinceMs: 0, maxMessages: 100, maxBytes: tiny[0]!.payload.length * 2 + 1 });
      expect(some).toHaveLength(2);
    });

    it('counts produced, stored, sent and acknowledged per stream and lane, across a restart', () => {
      outbox.appendReading(sample('a', 1));
      outbox.appendReading(sample('a', 2));
      outbox.appendAlert(alert);
      outbox.flush();
      const batch = outbox.nextBatch({ liveSinceMs: 0, ...all });
      for (const m of batch) outbox.ack(m.ids);
      outbox.appendReading(sample('a', 3));
      outbox.flush();
      reopen();
      const stats = outbox.stats();
      expect(stats.streams.a).toMatchObject({ produced: 3, stored: 3, sent: 2, acknowledged: 2, depth: 1, oldestTsMs: 3 });
      expect(stats.lanes.alert).toMatchObject({ produced: 1, stored: 1, sent: 1, acknowledged: 1, depth: 0 });
      expect(stats.lanes.reading).toMatchObject({ produced: 3, acknowledged: 2, depth: 1 });
      expect(stats.openState.state).toBe('ok');
    });

    it('tells listeners about committed readings and alerts, after the commit', () => {
      const seen: number[] = [];
      const alerts: string[] = [];
      const remove = outbox.addListener({ readingsCommitted: (rs) => seen.push(...rs.map((r) => r.seq)), alertsCommitted: (as) => alerts.push(...as.map((a) => a.id)) });
      outbox.appendReading(sample('a', 1));
      outbox.appendAlert(alert);
      expect(seen).toEqual([]);
      outbox.flush();
      expect(seen).toEqual([1]);
      expect(alerts).toEqual(['flood-stage:canal']);
      remove();
      outbox.appendReading(sample('a', 2));
      outbox.flush();
      expect(seen).toEqual([1]);
    });

    it('commits what is queued on close', () => {
      outbox.appendReading(sample('a', 1));
      reopen();
      expect(outbox.depth()).toBe(1);
    });

    it('keeps only the newest health snapshots, counting the replaced ones', () => {
      for (let i = 0; i < 20; i++) outbox.appendHealth({ n: i });
      outbox.flush();
      const batch = outbox.nextBatch({ liveSinceMs: 0, ...all }).filter((m) => m.lane === 'health');
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThan(20);
      expect(JSON.parse(batch[batch.length - 1]!.payload)).toEqual({ n: 19 });
      expect(outbox.stats().lanes.health!.evicted).toBe(20 - batch.length);
    });
  });
}
