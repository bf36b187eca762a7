import { statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { toAlertPayload, type AlertInput, type AlertPayload } from '../alert.ts';
import { ErrorCodes, GatewayError, toError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { NewReading, Reading } from '../reading.ts';
import { decodeReading, encodeReading, ShapeDictionary, type ReadingRow } from './codec.ts';
import { CommitLog } from './commit-log.ts';
import type { BufferConfig } from './config-schema.ts';
import { addCounters, alertStream, emptyStreamCounters, healthStream, LossCounters } from './counters.ts';
import { buildHistory, buildLive, storedMessage, take, type Budget, type IdReading } from './lanes.ts';
import { openCheckedDatabase } from './recovery.ts';
import { Retention, type RetentionHost } from './retention.ts';
import { messageLanes } from './schema.ts';
import type { NextBatchOptions, Outbox, OutboxListener, OutboxStats, OutgoingMessage, StreamCounters } from './types.ts';

export interface SqliteOutboxOptions {
  config: BufferConfig;
  /** Where a relative `config.path` lives. */
  dataDir: string;
  log: Logger;
  /** Wall clock, replaceable in tests. */
  nowMs?: () => number;
}

/** Health snapshots kept: only the newest matter, older ones are replaced (and counted). */
const healthKept = 5;

interface PendingMessage {
  lane: 'alert' | 'health';
  tsMs: number;
  payload: string;
}

interface Flight {
  table: 'readings' | 'messages';
  stream: string;
}

/**
 * The SQLite outbox. Appends are queued in memory and committed as one transaction every
 * `commitInterval` (group commit: one sequential WAL append per interval instead of one write per
 * reading). Rows leave only through `ack` (the broker's PUBACK; the delete rides on the next
 * commit) or a retention rule, and both are counted.
 */
export class SqliteOutbox implements Outbox {
  readonly path: string;
  private readonly config: BufferConfig;
  private readonly log: Logger;
  private readonly now: () => number;

  private db: Database | undefined;
  private openState: OutboxStats['openState'] = { state: 'ok' };
  private readonly shapes = new ShapeDictionary();
  private readonly counters = new LossCounters();
  private readonly listeners = new Set<OutboxListener>();
  private readonly lastSeq = new Map<string, number>();
  private seqFloor = 0;
  private nextId = 1;
  private commitLog = new CommitLog(1);
  private timer: NodeJS.Timeout | undefined;

  private pendingReadings: Reading[] = [];
  private pendingMessages: PendingMessage[] = [];
  private pendingAcks: number[] = [];
  private readonly inflight = new Map<number, Flight>();
  private readonly acked = new Set<number>();
  /** Committed, unacknowledged rows per stream. */
  private readonly depthByStream = new Map<string, number>();
  private liveCursor = 0;
  private historyCursor = 0;
  private lastLiveSinceMs = Number.NaN;

  private readonly retention: Retention;
  private readonly retentionHost: RetentionHost;
  private selectReadings: Statement<[number, number, number], ReadingRow> | undefined;

  constructor(options: SqliteOutboxOptions) {
    this.config = options.config;
    this.log = options.log;
    this.now = options.nowMs ?? Date.now;
    this.path = isAbsolute(options.config.path) ? options.config.path : join(options.dataDir, options.config.path);
    this.retention = new Retention(options.config, dirname(this.path), options.log);
    this.retentionHost = {
      isBusy: (id) => this.inflight.has(id) || this.acked.has(id),
      deviceOfShape: (shape) => this.shapes.get(shape)?.device ?? '?',
      count: (device, name, n) => {
        this.counters.add(device, name, n);
        if (name !== 'rejected') this.addDepth(device, -n);
      },
      readingRows: () => this.readingRows(),
    };
  }

  open(): void {
    if (this.db) return;
    const opened = openCheckedDatabase(this.path, { sync: this.config.sync }, this.log, this.now());
    const db = opened.db;
    this.db = db;
    this.openState = opened.openState;
    this.seqFloor = Math.max(opened.seqFloor, db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'seq_floor'").get()?.value ?? 0);
    this.shapes.load(db);
    this.counters.load(db);
    for (const row of db.prepare<[], { name: string; last_seq: number }>('SELECT name, last_seq FROM devices').all()) this.lastSeq.set(row.name, row.last_seq);
    const maxId = db.prepare<[], { m: number | null }>('SELECT max(m) AS m FROM (SELECT max(id) AS m FROM readings UNION ALL SELECT max(id) FROM messages)').get()?.m ?? 0;
    this.nextId = maxId + 1;
    this.commitLog = new CommitLog(this.nextId);
    this.depthByStream.clear();
    for (const row of db.prepare<[], { shape: number; n: number }>('SELECT shape, count(*) AS n FROM readings GROUP BY shape').all()) {
      const device = this.shapes.get(row.shape)?.device ?? '?';
      this.addDepth(device, row.n);
    }
    for (const row of db.prepare<[], { lane: number; n: number }>('SELECT lane, count(*) AS n FROM messages GROUP BY lane').all()) {
      this.addDepth(row.lane === messageLanes.alert ? alertStream : healthStream, row.n);
    }
    this.retention.prepare(db);
    this.selectReadings = db.prepare('SELECT id, shape, seq, ts, q, v, r FROM readings WHERE id > ? AND id < ? ORDER BY id LIMIT ?');
    this.timer = setInterval(() => this.flushQuietly(), this.config.commitInterval);
    this.timer.unref();
    this.log.info({ path: this.path, depth: this.depth(), openState: this.openState.state }, 'outbox open');
  }

  appendReading(reading: NewReading): Reading {
    this.requireOpen();
    const seq = Math.max(this.lastSeq.get(reading.device) ?? 0, this.seqFloor) + 1;
    this.lastSeq.set(reading.device, seq);
    const committed: Reading = { ...reading, seq };
    this.pendingReadings.push(committed);
    this.counters.add(reading.device, 'produced');
    return committed;
  }

  appendAlert(alert: AlertInput): AlertPayload {
    this.requireOpen();
    const payload = toAlertPayload(alert, this.now());
    this.pendingMessages.push({ lane: 'alert', tsMs: Date.parse(payload.ts), payload: JSON.stringify(payload) });
    this.counters.add(alertStream, 'produced');
    return payload;
  }

  appendHealth(payload: object): void {
    this.requireOpen();
    this.pendingMessages.push({ lane: 'health', tsMs: this.now(), payload: JSON.stringify(payload) });
    this.counters.add(healthStream, 'produced');
  }

  flush(): void {
    const db = this.requireOpen();
    if (this.pendingReadings.length === 0 && this.pendingMessages.length === 0 && this.pendingAcks.length === 0) return;
    const readings = this.pendingReadings;
    const messages = this.pendingMessages;
    const acks = this.pendingAcks;
    const firstId = this.nextId;
    const alerts: AlertPayload[] = [];
    let committed: Reading[] = [];
    const countersBefore = this.counters.snapshot();
    const depthBefore = new Map(this.depthByStream);
    this.shapes.begin();
    try {
      db.transaction(() => {
        const nowMs = this.now();
        const accepted = this.retention.acceptable(db, readings.length, this.readingRows(), nowMs);
        this.insertReadings(db, readings, accepted);
        this.insertMessages(db, messages, alerts);
        this.deleteAcked(db, acks);
        this.retention.enforce(db, this.retentionHost, nowMs);
        this.counters.persist(db);
        committed = readings.slice(0, accepted);
      })();
    } catch (thrown) {
      // Nothing of this commit is in the file: put memory back as it was and keep the queue.
      this.nextId = firstId;
      this.counters.restore(countersBefore);
      this.depthByStream.clear();
      for (const [k, v] of depthBefore) this.depthByStream.set(k, v);
      this.shapes.rollback();
      throw new GatewayError(ErrorCodes.StorageFull, `outbox commit failed: ${toError(thrown).message}`, { cause: thrown, context: { path: this.path, queued: readings.length + messages.length } });
    }
    this.pendingReadings = [];
    this.pendingMessages = [];
    this.pendingAcks = [];
    if (this.nextId > firstId) this.commitLog.record(this.now(), firstId);
    this.notify(committed, alerts);
  }

  nextBatch(options: NextBatchOptions): OutgoingMessage[] {
    const db = this.requireOpen();
    if (options.liveSinceMs !== this.lastLiveSinceMs) {
      // A new connection: what was live may now be backlog; rescan (in-flight rows are skipped).
      this.lastLiveSinceMs = options.liveSinceMs;
      this.historyCursor = 0;
      this.liveCursor = 0;
    }
    const budget: Budget = { messages: options.maxMessages, bytes: options.maxBytes, out: 0 };
    const out: OutgoingMessage[] = [];
    this.takeStoredMessages(db, budget, out);
    const boundary = this.commitLog.firstIdSince(options.liveSinceMs, this.nextId);
    this.liveCursor = Math.max(this.liveCursor, boundary - 1);
    this.liveCursor = this.takeReadings(this.liveCursor, this.nextId, 1, budget, out, (rows) => buildLive(rows, budget));
    const batchSize = this.config.drain.historyBatch;
    this.historyCursor = this.takeReadings(this.historyCursor, boundary, batchSize, budget, out, (rows) => buildHistory(rows, budget, batchSize));
    for (const message of out) {
      const table = message.lane === 'live' || message.lane === 'history' ? 'readings' : 'messages';
      const stream = table === 'readings' ? message.topic.split('/')[1]! : message.lane === 'alert' ? alertStream : healthStream;
      for (const id of message.ids) this.inflight.set(id, { table, stream });
      this.counters.add(stream, 'sent', table === 'readings' ? message.readingCount : 1);
    }
    return out;
  }

  ack(ids: number[]): void {
    this.requireOpen();
    for (const id of ids) {
      const flight = this.inflight.get(id);
      // Not in flight: already acked, or evicted while in flight; either way counted once.
      if (!flight) continue;
      this.inflight.delete(id);
      this.acked.add(id);
      this.pendingAcks.push(id);
      this.counters.add(flight.stream, 'acknowledged');
      this.addDepth(flight.stream, -1);
    }
  }

  release(ids: number[]): void {
    for (const id of ids) {
      const flight = this.inflight.get(id);
      if (!flight) continue;
      this.inflight.delete(id);
      if (flight.table === 'readings') {
        this.liveCursor = Math.min(this.liveCursor, id - 1);
        this.historyCursor = Math.min(this.historyCursor, id - 1);
      }
    }
  }

  depth(): number {
    let total = this.pendingReadings.length + this.pendingMessages.length;
    for (const n of this.depthByStream.values()) total += n;
    return total;
  }

  stats(): OutboxStats {
    const db = this.requireOpen();
    const streams: Record<string, StreamCounters> = {};
    const streamOf = (name: string): StreamCounters => (streams[name] ??= { ...emptyStreamCounters(), ...this.counters.get(name) });
    for (const name of this.counters.streams()) streamOf(name);
    for (const [name, n] of this.depthByStream) streamOf(name).depth = n;
    for (const row of db.prepare<[], { shape: number; ts: number }>('SELECT shape, min(ts) AS ts FROM readings GROUP BY shape').all()) {
      const device = this.shapes.get(row.shape)?.device;
      if (device === undefined) continue;
      const s = streamOf(device);
      if (s.oldestTsMs === null || row.ts < s.oldestTsMs) s.oldestTsMs = row.ts;
    }
    for (const row of db.prepare<[], { lane: number; ts: number }>('SELECT lane, min(ts) AS ts FROM messages GROUP BY lane').all()) {
      streamOf(row.lane === messageLanes.alert ? alertStream : healthStream).oldestTsMs = row.ts;
    }
    const lanes: Record<string, StreamCounters> = { alert: emptyStreamCounters(), health: emptyStreamCounters(), reading: emptyStreamCounters() };
    for (const [name, s] of Object.entries(streams)) addCounters(name === alertStream ? lanes.alert! : name === healthStream ? lanes.health! : lanes.reading!, s);
    return { path: this.path, bytesOnDisk: this.bytesOnDisk(), lanes, streams, openState: this.openState };
  }

  addListener(listener: OutboxListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    if (!this.db) return;
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.flush();
    } finally {
      this.db.close();
      this.db = undefined;
    }
  }

  /**
   * Stores the first `accepted` readings; the rest are refused by `reject-new` and counted. Every
   * device's seq is persisted either way, so a refused reading shows upstream as a gap.
   */
  private insertReadings(db: Database, readings: Reading[], accepted: number): void {
    if (readings.length === 0) return;
    const insert = db.prepare('INSERT INTO readings (id, shape, seq, ts, q, v, r) VALUES (?, ?, ?, ?, ?, ?, ?)');
    const perDevice = new Map<string, { seq: number; stored: number; rejected: number }>();
    for (let i = 0; i < readings.length; i++) {
      const reading = readings[i]!;
      let tally = perDevice.get(reading.device);
      if (!tally) {
        tally = { seq: 0, stored: 0, rejected: 0 };
        perDevice.set(reading.device, tally);
      }
      tally.seq = reading.seq;
      if (i >= accepted) {
        tally.rejected++;
        continue;
      }
      const shape = this.shapes.shapeOf(reading);
      const row = encodeReading(reading, shape);
      insert.run(this.nextId++, shape.id, row.seq, row.ts, row.q, row.v, row.r);
      tally.stored++;
    }
    const upsert = db.prepare('INSERT INTO devices (name, last_seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET last_seq = excluded.last_seq');
    for (const [device, tally] of perDevice) {
      upsert.run(device, tally.seq);
      this.counters.add(device, 'stored', tally.stored);
      this.counters.add(device, 'rejected', tally.rejected);
      this.addDepth(device, tally.stored);
    }
  }

  private insertMessages(db: Database, messages: PendingMessage[], alerts: AlertPayload[]): void {
    if (messages.length === 0) return;
    const insert = db.prepare('INSERT INTO messages (id, lane, ts, payload) VALUES (?, ?, ?, ?)');
    for (const message of messages) {
      insert.run(this.nextId++, messageLanes[message.lane], message.tsMs, message.payload);
      const stream = message.lane === 'alert' ? alertStream : healthStream;
      this.counters.add(stream, 'stored');
      this.addDepth(stream, 1);
      if (message.lane === 'alert') alerts.push(JSON.parse(message.payload) as AlertPayload);
    }
    if (messages.some((m) => m.lane === 'health')) this.trimHealth(db);
  }

  /** Deletes acknowledged rows in id ranges (acks arrive mostly in order, so ranges are long). */
  private deleteAcked(db: Database, ids: number[]): void {
    if (ids.length === 0) return;
    const sorted = [...ids].sort((a, b) => a - b);
    const delReadings = db.prepare('DELETE FROM readings WHERE id BETWEEN ? AND ?');
    const delMessages = db.prepare('DELETE FROM messages WHERE id BETWEEN ? AND ?');
    let start = sorted[0]!;
    let prev = start;
    const flushRange = (): void => {
      delReadings.run(start, prev);
      delMessages.run(start, prev);
    };
    for (const id of sorted.slice(1)) {
      if (id === prev + 1) {
        prev = id;
        continue;
      }
      flushRange();
      start = id;
      prev = id;
    }
    flushRange();
    for (const id of ids) this.acked.delete(id);
  }

  private trimHealth(db: Database): void {
    const ids = db.prepare<[number, number], { id: number }>('SELECT id FROM messages WHERE lane = ? ORDER BY id DESC LIMIT -1 OFFSET ?').all(messageLanes.health, healthKept);
    const del = db.prepare('DELETE FROM messages WHERE id = ?');
    for (const { id } of ids) {
      if (this.inflight.has(id) || this.acked.has(id)) continue;
      del.run(id);
      this.counters.add(healthStream, 'evicted');
      this.addDepth(healthStream, -1);
    }
  }

  private takeStoredMessages(db: Database, budget: Budget, out: OutgoingMessage[]): void {
    const limit = budget.messages + this.inflight.size + this.acked.size;
    const rows = db.prepare<[number], { id: number; lane: number; payload: string }>('SELECT id, lane, payload FROM messages ORDER BY lane, id LIMIT ?').all(limit);
    for (const row of rows) {
      if (this.inflight.has(row.id) || this.acked.has(row.id)) continue;
      if (!take(budget, row.payload.length)) return;
      out.push(storedMessage(row.id, row.lane === messageLanes.alert ? 'alert' : 'health', row.payload));
    }
  }

  /**
   * Hands out readings with `cursor < id < endId` through `build` (`perMessage` readings per
   * message), skipping rows in flight or
   * acknowledged. Returns the new cursor: the last row that went out (or was skipped before it).
   */
  private takeReadings(cursor: number, endId: number, perMessage: number, budget: Budget, out: OutgoingMessage[], build: (rows: IdReading[]) => { messages: OutgoingMessage[]; used: number }): number {
    while (budget.messages > 0 && cursor < endId - 1) {
      // Read about what the budget can carry: decoding rows that will not go out is wasted work.
      const chunk = Math.min(20_000, Math.max(16, budget.messages * perMessage));
      const rows = this.selectReadings!.all(cursor, endId, chunk);
      if (rows.length === 0) return cursor;
      const usable: IdReading[] = [];
      for (const row of rows) {
        if (this.inflight.has(row.id) || this.acked.has(row.id)) continue;
        const shape = this.shapes.get(row.shape);
        if (!shape) throw new GatewayError(ErrorCodes.StorageCorrupt, `reading ${row.id} refers to unknown shape ${row.shape}`);
        usable.push({ id: row.id, reading: decodeReading(row, shape) });
      }
      const { messages, used } = build(usable);
      out.push(...messages);
      if (used < usable.length) return usable[used]!.id - 1;
      cursor = rows[rows.length - 1]!.id;
      if (rows.length < chunk) return cursor;
    }
    return cursor;
  }

  private readingRows(): number {
    let rows = 0;
    for (const [stream, n] of this.depthByStream) if (stream !== alertStream && stream !== healthStream) rows += n;
    return rows;
  }

  private addDepth(stream: string, n: number): void {
    this.depthByStream.set(stream, (this.depthByStream.get(stream) ?? 0) + n);
  }

  private notify(readings: Reading[], alerts: AlertPayload[]): void {
    for (const listener of this.listeners) {
      try {
        if (readings.length > 0) listener.readingsCommitted?.(readings);
        if (alerts.length > 0) listener.alertsCommitted?.(alerts);
      } catch (thrown) {
        this.log.error({ err: toError(thrown) }, 'outbox listener failed');
      }
    }
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (thrown) {
      this.log.error({ err: toError(thrown) }, 'outbox commit failed; readings stay queued in memory');
    }
  }

  private bytesOnDisk(): number {
    let total = 0;
    for (const suffix of ['', '-wal']) {
      try {
        total += statSync(this.path + suffix).size;
      } catch {
        // no WAL file right after a checkpoint
      }
    }
    return total;
  }

  private requireOpen(): Database {
    if (!this.db) throw new GatewayError(ErrorCodes.StorageClosed, 'outbox is not open', { context: { path: this.path } });
    return this.db;
  }
}
