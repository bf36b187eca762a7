import type { Database } from 'better-sqlite3';
import type { LossCounts, StreamCounters } from './types.ts';

/** The persisted counts of one stream (the rest of StreamCounters is computed from the table). */
export type Counts = LossCounts;

export type CountName = keyof Counts;

const countNames: CountName[] = ['produced', 'stored', 'sent', 'acknowledged', 'evicted', 'expired', 'rejected'];

/** Stream keys as stored: readings per device, plus the two message streams. */
export const alertStream = 'alerts';
export const healthStream = 'health';
/** Gateway events (clock corrections). */
export const eventStream = 'events';

/** The stream of a stored message lane. */
export function messageStream(lane: 'alert' | 'health' | 'event'): string {
  return lane === 'alert' ? alertStream : lane === 'health' ? healthStream : eventStream;
}

function zero(): Counts {
  return { produced: 0, stored: 0, sent: 0, acknowledged: 0, evicted: 0, expired: 0, rejected: 0 };
}

/**
 * Loss accounting per stream. Counts live in memory and are written in the same transaction as
 * the rows they describe (the group commit), so after a crash the counts match the rows that
 * survived: upstream can reconcile `produced - acknowledged - evicted - expired - rejected` with
 * the seq gaps it sees.
 */
export class LossCounters {
  private readonly counts = new Map<string, Counts>();
  private readonly dirty = new Set<string>();

  load(db: Database): void {
    this.counts.clear();
    this.dirty.clear();
    const rows = db.prepare<[], Counts & { stream: string }>('SELECT * FROM counters').all();
    for (const row of rows) {
      const counts = zero();
      for (const name of countNames) counts[name] = row[name];
      this.counts.set(row.stream, counts);
    }
  }

  add(stream: string, name: CountName, n = 1): void {
    if (n === 0) return;
    let counts = this.counts.get(stream);
    if (!counts) {
      counts = zero();
      this.counts.set(stream, counts);
    }
    counts[name] += n;
    this.dirty.add(stream);
  }

  /** A copy to restore if the transaction that would persist the counts fails. */
  snapshot(): Map<string, Counts> {
    return new Map([...this.counts].map(([k, v]) => [k, { ...v }]));
  }

  restore(snapshot: Map<string, Counts>): void {
    this.counts.clear();
    for (const [k, v] of snapshot) {
      this.counts.set(k, v);
      this.dirty.add(k);
    }
  }

  get(stream: string): Counts {
    return { ...(this.counts.get(stream) ?? zero()) };
  }

  streams(): string[] {
    return [...this.counts.keys()];
  }

  /** Writes the changed streams; call inside the commit transaction. */
  persist(db: Database): void {
    if (this.dirty.size === 0) return;
    const upsert = db.prepare(
      `INSERT INTO counters (stream, produced, stored, sent, acknowledged, evicted, expired, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(stream) DO UPDATE SET produced = excluded.produced, stored = excluded.stored, sent = excluded.sent,
       acknowledged = excluded.acknowledged, evicted = excluded.evicted, expired = excluded.expired, rejected = excluded.rejected`,
    );
    for (const stream of this.dirty) {
      const c = this.counts.get(stream)!;
      upsert.run(stream, c.produced, c.stored, c.sent, c.acknowledged, c.evicted, c.expired, c.rejected);
    }
    this.dirty.clear();
  }
}

/** Adds `b` into `a` (for lane totals). */
export function addCounters(a: StreamCounters, b: StreamCounters): void {
  for (const name of countNames) a[name] += b[name];
  a.depth += b.depth;
  if (b.oldestTsMs !== null && (a.oldestTsMs === null || b.oldestTsMs < a.oldestTsMs)) a.oldestTsMs = b.oldestTsMs;
}

export function emptyStreamCounters(): StreamCounters {
  return { ...zero(), depth: 0, oldestTsMs: null };
}
