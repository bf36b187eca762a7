import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { floodReading, tempOutbox } from '../../helpers/outbox-fixtures.ts';

describe('outbox stats: oldest row per stream', () => {
  let cleanup: (() => void) | undefined;
  afterEach(() => cleanup?.());

  it('follows each device as its oldest rows are acknowledged, and after a restart', () => {
    const handle = tempOutbox();
    cleanup = handle.cleanup;
    let outbox = handle.outbox;
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      outbox.appendReading(floodReading('a', t0 + i));
      outbox.appendReading(floodReading('b', t0 + 100 + i));
    }
    outbox.flush();
    expect(outbox.stats().streams.a!.oldestTsMs).toBe(t0);
    // Only device a's first two readings go out and are acknowledged.
    const first = outbox.nextBatch({ liveSinceMs: 0, maxMessages: 3, maxBytes: 1e9 }).filter((m) => m.lane === 'live' && m.device === 'a');
    expect(first).toHaveLength(2);
    outbox.ack(first.flatMap((m) => m.ids));
    outbox.flush();
    expect(outbox.stats().streams.a!.oldestTsMs).toBe(t0 + 2);
    expect(outbox.stats().streams.b!.oldestTsMs).toBe(t0 + 100);
    outbox = handle.reopen();
    expect(outbox.stats().streams.a).toMatchObject({ depth: 3, oldestTsMs: t0 + 2 });
    for (const m of outbox.nextBatch({ liveSinceMs: Date.now(), maxMessages: 100, maxBytes: 1e9 })) if (m.lane === 'history' && m.device === 'a') outbox.ack(m.ids);
    outbox.flush();
    expect(outbox.stats().streams.a).toMatchObject({ depth: 0, oldestTsMs: null });
    outbox.appendReading(floodReading('a', t0 + 50));
    outbox.flush();
    expect(outbox.stats().streams.a).toMatchObject({ depth: 1, oldestTsMs: t0 + 50 });
  });

  it('takes the depth from the counters at open, and counts the rows when they disagree', () => {
    const handle = tempOutbox();
    cleanup = handle.cleanup;
    for (let i = 0; i < 7; i++) handle.outbox.appendReading(floodReading('a', Date.now()));
    handle.outbox.close();
    expect(handle.reopen().depth()).toBe(7);
    handle.outbox.close();
    const db = new BetterSqlite3(join(handle.dir, 'outbox.db'));
    db.prepare("UPDATE counters SET stored = 100 WHERE stream = 'a'").run();
    db.close();
    const reopened = handle.reopen();
    expect(reopened.depth()).toBe(7);
    expect(reopened.stats().streams.a!.depth).toBe(7);
  });
});
