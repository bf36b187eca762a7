import { statfsSync } from 'node:fs';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../../core/log.ts';
import type { BufferConfig } from './config-schema.ts';
import type { CountName } from './counters.ts';

/** What retention needs from the outbox that owns the rows. */
export interface RetentionHost {
  /** A row handed out and not yet settled: retention leaves it alone (its PUBACK is coming). */
  isBusy(id: number): boolean;
  deviceOfShape(shape: number): string;
  /** Counts a removed or refused reading against its stream (and, for removals, its depth). */
  count(device: string, name: Extract<CountName, 'evicted' | 'expired' | 'rejected'>, n: number): void;
  /** Committed reading rows (all streams). */
  readingRows(): number;
}

export type RetentionLimits = Pick<BufferConfig, 'maxBytes' | 'maxRows' | 'maxAge' | 'whenFull' | 'minFreeDisk'>;

/** Evict this much below a limit once it is reached, so eviction runs in chunks, not every commit. */
const headroom = 0.05;
/**
 * Times before this are not trusted for expiry: a gateway without a real-time clock starts in
 * the past until NTP answers, and its first readings must not look decades old.
 */
const plausibleSinceMs = Date.UTC(2020, 0, 1);
/** Free pages worth shrinking the file for, and how many to give back per step (4 KB pages). */
const shrinkMinPages = 2048;
const shrinkStepPages = 2048;
/** How often the file system's free space is read. */
const diskCheckIntervalMs = 5_000;

/**
 * Retention of readings by rows, bytes and age, and the disk watch. Alerts are never removed;
 * every reading removed is counted as `expired` (older than maxAge) or `evicted` (a limit was
 * reached), every reading refused (`reject-new`) as `rejected`, so loss is never silent.
 */
export class Retention {
  private readonly limits: RetentionLimits;
  private readonly dir: string;
  private readonly log: Logger;
  private freeDiskBytes = Number.POSITIVE_INFINITY;
  /** Where the `downsample` sweep stopped last time. */
  private thinAfterId = 0;
  private diskCheckedAtMs = Number.NEGATIVE_INFINITY;
  private front: Statement<[number, number], { id: number; shape: number; ts: number }> | undefined;
  private del: Statement<[number, number]> | undefined;

  constructor(limits: RetentionLimits, dir: string, log: Logger) {
    this.limits = limits;
    this.dir = dir;
    this.log = log;
  }

  prepare(db: Database): void {
    this.front = db.prepare('SELECT id, shape, ts FROM readings WHERE id > ? ORDER BY id LIMIT ?');
    this.del = db.prepare('DELETE FROM readings WHERE id BETWEEN ? AND ?');
  }

  /** Bytes in use by the file's live pages (free pages are reused before the file grows). */
  usedBytes(db: Database): number {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    return (pages - free) * pageSize;
  }

  /** The byte limit now: maxBytes, lowered when the disk is nearly full. */
  byteLimit(db: Database, nowMs: number): number {
    if (nowMs - this.diskCheckedAtMs >= diskCheckIntervalMs) {
      this.diskCheckedAtMs = nowMs;
      try {
        const fs = statfsSync(this.dir);
        this.freeDiskBytes = fs.bavail * fs.bsize;
      } catch {
        this.freeDiskBytes = Number.POSITIVE_INFINITY;
      }
    }
    const shortBytes = this.limits.minFreeDisk - this.freeDiskBytes;
    if (shortBytes <= 0) return this.limits.maxBytes;
    return Math.max(0, Math.min(this.limits.maxBytes, this.usedBytes(db) - shortBytes));
  }

  /** For `reject-new`: how many of `incoming` readings fit now, with `rows` already stored. */
  acceptable(db: Database, incoming: number, rows: number, nowMs: number): number {
    if (this.limits.whenFull !== 'reject-new') return incoming;
    if (this.usedBytes(db) >= this.byteLimit(db, nowMs)) return 0;
    return Math.max(0, Math.min(incoming, this.limits.maxRows - rows));
  }

  /** Expires old readings, then applies the when-full policy. Runs inside the commit transaction. */
  enforce(db: Database, host: RetentionHost, nowMs: number): void {
    this.expire(host, nowMs);
    if (this.limits.whenFull === 'reject-new') return;
    const rowsOver = host.readingRows() - this.limits.maxRows;
    const limitBytes = this.byteLimit(db, nowMs);
    const used = this.usedBytes(db);
    if (rowsOver <= 0 && used <= limitBytes) return;
    const rows = Math.max(1, host.readingRows());
    const bytesPerRow = used / rows;
    const bytesOver = used - limitBytes;
    const toFree = Math.ceil(Math.max(rowsOver + this.limits.maxRows * headroom, bytesOver > 0 ? (bytesOver + limitBytes * headroom) / bytesPerRow : 0));
    const freed = this.limits.whenFull === 'downsample' ? this.thin(host, toFree) : this.dropOldest(host, toFree);
    if (freed > 0) this.log.warn({ policy: this.limits.whenFull, freed, rowsOver, bytesOver, limitBytes }, 'outbox full: readings evicted');
  }

  /**
   * Gives free pages back to the file system. Shrinking moves the pages still in use from the end
   * of the file into the holes, so it waits until the backlog is nearly drained (then little
   * moves); only a nearly full disk makes it shrink sooner, a few MB per call.
   */
  shrink(db: Database): void {
    const pages = db.pragma('page_count', { simple: true }) as number;
    const free = db.pragma('freelist_count', { simple: true }) as number;
    if (free < shrinkMinPages) return;
    if (free > pages * 0.9) db.pragma(`incremental_vacuum(${free})`);
    else if (this.freeDiskBytes < this.limits.minFreeDisk) db.pragma(`incremental_vacuum(${shrinkStepPages})`);
  }

  /** Drops the oldest `share` of the readings (at least one), counted as evicted: for a full disk. */
  evictShare(host: RetentionHost, share: number): number {
    return this.dropOldest(host, Math.max(1, Math.ceil(host.readingRows() * share)));
  }

  private expire(host: RetentionHost, nowMs: number): void {
    const cutoff = nowMs - this.limits.maxAge;
    // Rows are in commit order, so the scan stops at the first reading that is young enough.
    this.removeFront(host, Number.POSITIVE_INFINITY, (row) => row.ts < cutoff && row.ts >= plausibleSinceMs, 'expired');
  }

  private dropOldest(host: RetentionHost, n: number): number {
    return this.removeFront(host, n, () => true, 'evicted');
  }

  /**
   * `downsample`: keeps every other reading per device, sweeping from the oldest reading towards
   * the newest over successive rounds and starting again at the oldest once it reaches the end, so
   * the whole backlog loses resolution evenly (halved, then quartered ...) instead of losing its
   * start or thinning the same hours again and again.
   */
  private thin(host: RetentionHost, n: number): number {
    const keepNext = new Map<string, boolean>();
    let freed = 0;
    let after = this.thinAfterId;
    let wrapped = after === 0;
    while (freed < n) {
      const rows = this.front!.all(after, 4096);
      if (rows.length === 0) {
        if (wrapped) break;
        wrapped = true;
        after = 0;
        keepNext.clear();
        continue;
      }
      for (const row of rows) {
        after = row.id;
        if (host.isBusy(row.id)) continue;
        const device = host.deviceOfShape(row.shape);
        const keep = keepNext.get(device) ?? true;
        keepNext.set(device, !keep);
        if (keep) continue;
        this.del!.run(row.id, row.id);
        host.count(device, 'evicted', 1);
        if (++freed >= n) break;
      }
    }
    this.thinAfterId = after;
    // Too few rows to thin (a tiny limit): fall back to the oldest.
    if (freed < n) freed += this.dropOldest(host, n - freed);
    return freed;
  }

  /** Removes up to `n` rows from the oldest end while `match` holds, skipping busy rows. */
  private removeFront(host: RetentionHost, n: number, match: (row: { ts: number }) => boolean, name: 'evicted' | 'expired'): number {
    let removed = 0;
    let after = 0;
    // Start small: usually the first row already says there is nothing (more) to remove.
    let chunk = 64;
    while (removed < n) {
      const rows = this.front!.all(after, Math.min(chunk, Math.max(1, n - removed)));
      chunk = Math.min(4096, chunk * 4);
      if (rows.length === 0) return removed;
      let rangeStart = -1;
      let rangeEnd = -1;
      const closeRange = (): void => {
        if (rangeStart >= 0) this.del!.run(rangeStart, rangeEnd);
        rangeStart = -1;
      };
      for (const row of rows) {
        after = row.id;
        if (!match(row)) {
          closeRange();
          return removed;
        }
        if (host.isBusy(row.id)) {
          closeRange();
          continue;
        }
        if (rangeStart < 0) rangeStart = row.id;
        rangeEnd = row.id;
        host.count(host.deviceOfShape(row.shape), name, 1);
        if (++removed >= n) break;
      }
      closeRange();
    }
    return removed;
  }
}
