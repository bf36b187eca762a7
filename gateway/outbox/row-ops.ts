import type { Database } from 'better-sqlite3';

/** Sorted, de-duplicated ids as inclusive `[first, last]` runs of consecutive ids. */
export function idRanges(ids: Iterable<number>): Array<[number, number]> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const ranges: Array<[number, number]> = [];
  for (const id of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && id === last[1] + 1) last[1] = id;
    else ranges.push([id, id]);
  }
  return ranges;
}

/**
 * Deletes rows by id from both tables (one id space covers readings and messages). Acks arrive
 * mostly in order, so the runs are long and this is a few range deletes per commit.
 */
export function deleteRows(db: Database, ids: Iterable<number>): void {
  const delReadings = db.prepare('DELETE FROM readings WHERE id BETWEEN ? AND ?');
  const delMessages = db.prepare('DELETE FROM messages WHERE id BETWEEN ? AND ?');
  for (const [first, last] of idRanges(ids)) {
    delReadings.run(first, last);
    delMessages.run(first, last);
  }
}
