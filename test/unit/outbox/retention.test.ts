import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { floodAlert, floodReading, seqsOf, tempOutbox } from '../../helpers/outbox-fixtures.ts';

const all = { maxMessages: 1_000_000, maxBytes: 1e12 };
const backlog = { liveSinceMs: Number.MAX_SAFE_INTEGER, ...all };

describe('outbox retention', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  function setup(buffer: Record<string, unknown>) {
    const handle = tempOutbox(buffer);
    cleanup = handle.cleanup;
    return handle;
  }

  it('drop-oldest keeps the newest readings within maxRows, counts evictions, keeps every alert', () => {
    const { outbox, reopen } = setup({ maxRows: 100, whenFull: 'drop-oldest' });
    const now = Date.now();
    for (let i = 0; i < 150; i++) outbox.appendReading(floodReading('canal', now + i));
    for (let i = 0; i < 120; i++) outbox.appendAlert(floodAlert(i));
    outbox.flush();
    const stats = outbox.stats();
    const kept = stats.streams.canal!.depth;
    expect(kept).toBeLessThanOrEqual(100);
    expect(stats.streams.canal!.evicted).toBe(150 - kept);
    expect(stats.lanes.alert!.depth).toBe(120);
    const batch = outbox.nextBatch(backlog);
    expect(batch.filter((m) => m.lane === 'alert')).toHaveLength(120);
    const seqs = batch.filter((m) => m.lane === 'history').flatMap(seqsOf);
    expect(seqs).toEqual(Array.from({ length: kept }, (_, i) => 150 - kept + 1 + i));
    const reopened = reopen();
    expect(reopened.stats().streams.canal).toMatchObject({ produced: 150, stored: 150, evicted: 150 - kept, depth: kept });
  });

  it('reject-new refuses readings once full, counts them, and the refused seqs show as a gap', () => {
    const { outbox } = setup({ maxRows: 100, whenFull: 'reject-new' });
    const now = Date.now();
    for (let i = 0; i < 150; i++) outbox.appendReading(floodReading('canal', now + i));
    outbox.flush();
    expect(outbox.stats().streams.canal).toMatchObject({ produced: 150, stored: 100, rejected: 50, evicted: 0, depth: 100 });
    const next = outbox.appendReading(floodReading('canal', now + 200));
    expect(next.seq).toBe(151);
    outbox.flush();
    const seqs = outbox.nextBatch(backlog).flatMap(seqsOf);
    expect(seqs).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it('downsample thins the oldest part of the backlog and keeps the newest intact', () => {
    const { outbox } = setup({ maxRows: 100, whenFull: 'downsample' });
    const now = Date.now();
    for (let i = 0; i < 150; i++) outbox.appendReading(floodReading('canal', now + i));
    outbox.flush();
    const stats = outbox.stats().streams.canal!;
    expect(stats.depth).toBeLessThanOrEqual(100);
    expect(stats.evicted).toBe(150 - stats.depth);
    const seqs = outbox.nextBatch(backlog).flatMap(seqsOf);
    expect(seqs[0]).toBe(1);
    expect(seqs.slice(-10)).toEqual([141, 142, 143, 144, 145, 146, 147, 148, 149, 150]);
    const gaps = seqs.slice(1).map((s, i) => s - seqs[i]!);
    expect(gaps.filter((g) => g === 2).length).toBeGreaterThan(10);
    expect(gaps.every((g) => g === 1 || g === 2)).toBe(true);
  });

  it('downsample sweeps on through the backlog in later rounds instead of thinning the start again', () => {
    const { outbox } = setup({ maxRows: 100, whenFull: 'downsample' });
    const now = Date.now();
    let produced = 0;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 40; i++) outbox.appendReading(floodReading('canal', now + produced++));
      outbox.flush();
    }
    const seqs = outbox.nextBatch(backlog).flatMap(seqsOf);
    const gaps = seqs.slice(1).map((s, i) => s - seqs[i]!);
    // The start was halved once (gaps of 2), not quartered, and the thinning moved on from there.
    expect(gaps.slice(0, 10).every((g) => g === 2)).toBe(true);
    expect(gaps.every((g) => g <= 2)).toBe(true);
    expect(seqs[seqs.length - 1]).toBe(produced);
    expect(outbox.stats().streams.canal!.evicted).toBe(produced - seqs.length);
  });

  it('expires readings older than maxAge and counts them', () => {
    const { outbox } = setup({ maxAge: '1d' });
    const now = Date.now();
    for (let i = 0; i < 30; i++) outbox.appendReading(floodReading('canal', now - 2 * 86_400_000 + i));
    for (let i = 0; i < 20; i++) outbox.appendReading(floodReading('canal', now + i));
    outbox.flush();
    expect(outbox.stats().streams.canal).toMatchObject({ expired: 30, evicted: 0, depth: 20 });
    expect(outbox.nextBatch(backlog).flatMap(seqsOf)[0]).toBe(31);
  });

  it('does not expire readings stamped before the clock was set', () => {
    const { outbox } = setup({ maxAge: '1d' });
    for (let i = 0; i < 5; i++) outbox.appendReading(floodReading('canal', 86_400_000 + i));
    outbox.flush();
    expect(outbox.stats().streams.canal).toMatchObject({ expired: 0, depth: 5 });
  });

  it('keeps the file within maxBytes by evicting the oldest', () => {
    const { outbox, dir } = setup({ maxBytes: '1MB', maxRows: 10_000_000 });
    const now = Date.now();
    let produced = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 1000; i++) outbox.appendReading(floodReading(`dev-${i % 4}`, now + produced++));
      outbox.flush();
    }
    const stats = outbox.stats();
    expect(stats.lanes.reading!.evicted).toBeGreaterThan(0);
    expect(stats.lanes.reading!.evicted + stats.lanes.reading!.depth).toBe(produced);
    // The last round is all there.
    const seqs = outbox.nextBatch(backlog).filter((m) => m.lane === 'history' && m.device === 'dev-0').flatMap(seqsOf);
    expect(seqs[seqs.length - 1]).toBe(produced / 4);
    expect(seqs.length).toBeGreaterThan(1000);
    const db = new BetterSqlite3(join(dir, 'outbox.db'), { readonly: true });
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const usedBytes = ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * pageSize;
    db.close();
    expect(usedBytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('treats a nearly full disk like a full outbox: evicts readings (counted), keeps alerts', () => {
    // More free space asked for than any disk has: the byte limit drops to nothing.
    const { outbox } = setup({ minFreeDisk: '1000000GB' });
    const now = Date.now();
    for (let i = 0; i < 50; i++) outbox.appendReading(floodReading('canal', now + i));
    outbox.appendAlert(floodAlert(1));
    outbox.flush();
    const stats = outbox.stats();
    expect(stats.streams.canal).toMatchObject({ stored: 50, evicted: 50, depth: 0 });
    expect(stats.lanes.alert).toMatchObject({ stored: 1, depth: 1, evicted: 0 });
  });

  it('never evicts a row in flight', () => {
    const { outbox } = setup({ maxRows: 10 });
    const now = Date.now();
    for (let i = 0; i < 10; i++) outbox.appendReading(floodReading('canal', now + i));
    outbox.flush();
    const inFlight = outbox.nextBatch({ liveSinceMs: 0, maxMessages: 3, maxBytes: 1e9 });
    for (let i = 10; i < 20; i++) outbox.appendReading(floodReading('canal', now + i));
    outbox.flush();
    outbox.ack(inFlight.flatMap((m) => m.ids));
    expect(outbox.stats().streams.canal!.acknowledged).toBe(3);
    expect(inFlight.flatMap(seqsOf)).toEqual([1, 2, 3]);
  });
});
