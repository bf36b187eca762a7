import { dirname, isAbsolute, join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { toAlertPayload, type AlertInput, type AlertPayload } from '../../core/alert.ts';
import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { NewReading, Reading } from '../../core/reading.ts';
import { BootTable, encodeReading, ShapeDictionary } from './codec.ts';
import { readBootId } from '../clock/boot-id.ts';
import type { TimeCorrection } from '../clock/timekeeper.ts';
import { restamp } from './restamp.ts';
import { CommitLog } from './commit-log.ts';
import type { BufferConfig } from './config-schema.ts';
import { alertStream, emptyStreamCounters, eventStream, healthStream, LossCounters, messageStream } from './counters.ts';
import { isMessageStream, StreamDepth } from './depth.ts';
import { fileBytes, laneTotals, oldestMessages } from './inspect.ts';
import { buildHistory, buildLive, type Budget } from './lanes.ts';
import { openCheckedDatabase } from './recovery.ts';
import { Retention, type RetentionHost } from './retention.ts';
import { Flights } from './flights.ts';
import { RowReader } from './reader.ts';
import { durably, SeqNumbers } from './seq-numbers.ts';
import { deleteRows } from './row-ops.ts';
import { messageLanes } from './schema.ts';
import type { NextBatchOptions, Outbox, OutboxListener, OutboxStats, OutgoingMessage, StreamCounters } from './types.ts';

export interface SqliteOutboxOptions {
  config: BufferConfig;
  /** Where a relative `config.path` lives. */
  dataDir: string;
  log: Logger;
  /** Wall clock, replaceable in tests. */
  nowMs?: () => number;
  /**
   * The clock commits are timed on (the live/backlog boundary, the sync interval); the gateway
   * passes the monotonic clock so a step of the wall clock cannot move rows between lanes.
   * Defaults to `nowMs`.
   */
  clockMs?: () => number;
  /** False while the wall clock cannot be trusted: no reading is expired by age then. */
  wallTrusted?: () => boolean;
  /** The kernel's boot id (read from /proc when absent): readings' monotonic times belong to it. */
  bootId?: string;
}

/** Readings held in memory while commits fail, before new ones are refused (and counted). */
const maxQueuedReadings = 100_000;

/** Health snapshots kept: only the newest matter, older ones are replaced (and counted). */
const healthKept = 5;

interface PendingMessage {
  lane: 'alert' | 'health' | 'event';
  tsMs: number;
  payload: string;
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
  private readonly clock: () => number;
  private readonly wallTrusted: () => boolean;

  private db: Database | undefined;
  private openState: OutboxStats['openState'] = { state: 'ok' };
  private readonly shapes = new ShapeDictionary();
  private readonly boots = new BootTable();
  private readonly bootId: string;
  /** This boot's id in the `boots` table. */
  private bootRow = 0;
  private readonly counters = new LossCounters();
  private readonly listeners = new Set<OutboxListener>();
  private readonly seqs = new SeqNumbers();
  private nextId = 1;
  private commitLog = new CommitLog(1);
  private timer: NodeJS.Timeout | undefined;
  /** First commit not yet forced to the card (`sync: normal`). */
  private unsyncedSinceMs: number | undefined;

  private pendingReadings: Reading[] = [];
  private pendingMessages: PendingMessage[] = [];
  private readonly flights = new Flights();
  /** Committed, unacknowledged rows per stream. */
  private readonly streamDepth = new StreamDepth();

  private readonly retention: Retention;
  private readonly retentionHost: RetentionHost;
  private readonly reader: RowReader;

  constructor(options: SqliteOutboxOptions) {
    this.config = options.config;
    this.log = options.log;
    this.now = options.nowMs ?? Date.now;
    this.clock = options.clockMs ?? this.now;
    this.wallTrusted = options.wallTrusted ?? (() => true);
    this.bootId = options.bootId ?? readBootId();
    this.path = isAbsolute(options.config.path) ? options.config.path : join(options.dataDir, options.config.path);
    this.retention = new Retention(options.config, dirname(this.path), options.log);
    this.reader = new RowReader(this.shapes, this.boots, (id) => this.flights.isBusy(id));
    this.retentionHost = {
      isBusy: (id) => this.flights.isBusy(id),
      deviceOfShape: (shape) => this.shapes.get(shape)?.device ?? '?',
      count: (device, name, n) => {
        this.counters.add(device, name, n);
        if (name !== 'rejected') this.streamDepth.add(device, -n);
      },
      readingRows: () => this.streamDepth.readingRows(),
    };
  }

  open(): void {
    if (this.db) return;
    const opened = openCheckedDatabase(this.path, { sync: this.config.sync }, this.log, this.now());
    const db = opened.db;
    this.db = db;
    this.openState = opened.openState;
    const seqFloor = Math.max(opened.seqFloor, db.prepare<[], { value: number }>("SELECT value FROM meta WHERE key = 'seq_floor'").get()?.value ?? 0);
    this.seqs.load(db, seqFloor, this.log);
    this.shapes.load(db);
    this.boots.load(db);
    this.bootRow = this.boots.ensure(db, this.bootId);
    this.counters.load(db);
    const maxId = db.prepare<[], { m: number | null }>('SELECT max(m) AS m FROM (SELECT max(id) AS m FROM readings UNION ALL SELECT max(id) FROM messages)').get()?.m ?? 0;
    this.nextId = maxId + 1;
    this.commitLog = new CommitLog(this.nextId);
    this.streamDepth.load(db, this.counters, this.shapes, this.log);
    this.retention.prepare(db);
    this.reader.prepare(db);
    this.timer = setInterval(() => this.flushQuietly(), this.config.commitInterval);
    this.timer.unref();
    this.log.info({ path: this.path, depth: this.depth(), openState: this.openState.state }, 'outbox open');
  }

  appendReading(reading: NewReading): Reading {
    this.requireOpen();
    const seq = this.seqs.next(reading.device);
    const committed: Reading = reading.monoMs === undefined ? { ...reading, seq } : { ...reading, seq, bootId: this.bootId };
    this.counters.add(reading.device, 'produced');
    // Commits failing (a dead SD card): keep memory bounded; the refused seqs show as a gap.
    if (this.pendingReadings.length >= maxQueuedReadings) this.counters.add(reading.device, 'rejected');
    else this.pendingReadings.push(committed);
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

  appendEvent(payload: object): void {
    this.requireOpen();
    this.pendingMessages.push({ lane: 'event', tsMs: this.now(), payload: JSON.stringify(payload) });
    this.counters.add(eventStream, 'produced');
  }

  /**
   * The clock was corrected: commits what is queued, then re-stamps this boot's readings still in
   * the outbox from their monotonic time (see restamp.ts). Returns how many were re-stamped.
   */
  applyTimeCorrection(correction: TimeCorrection): number {
    const db = this.requireOpen();
    if (correction.bootId !== this.bootId) return 0;
    this.flush();
    return db.transaction(() => restamp(db, { ...correction, bootRow: this.bootRow, nowMs: this.now(), inflightIds: this.flights.inflightIds() }, this.shapes))();
  }

  flush(): void {
    const db = this.requireOpen();
    const acks = this.flights.acksToCommit();
    if (this.pendingReadings.length === 0 && this.pendingMessages.length === 0 && acks.length === 0) return;
    const readings = this.pendingReadings;
    const messages = this.pendingMessages;
    const firstId = this.nextId;
    const alerts: AlertPayload[] = [];
    let committed: Reading[] = [];
    const countersBefore = this.counters.snapshot();
    const depthBefore = this.streamDepth.snapshot();
    const lastSeqs = new Map<string, number>();
    for (const reading of readings) lastSeqs.set(reading.device, reading.seq);
    this.shapes.begin();
    try {
      const work = (): void => {
        const nowMs = this.now();
        const accepted = this.retention.acceptable(db, readings.length, this.streamDepth.readingRows(), nowMs);
        this.insertReadings(db, readings, accepted);
        this.insertMessages(db, messages, alerts);
        deleteRows(db, acks);
        this.retention.enforce(db, this.retentionHost, nowMs, this.wallTrusted());
        this.seqs.persist(db, lastSeqs);
        this.counters.persist(db);
        committed = readings.slice(0, accepted);
      };
      // Passing a seq reservation: this commit goes to the card before its readings can be sent.
      if (this.seqs.passesReservation(lastSeqs)) durably(db, work);
      else db.transaction(work)();
    } catch (thrown) {
      // Nothing of this commit is in the file: put memory back as it was and keep the queue.
      this.nextId = firstId;
      this.counters.restore(countersBefore);
      this.streamDepth.restore(depthBefore);
      this.shapes.rollback();
      this.seqs.forget(db);
      const full = thrown instanceof Error && 'code' in thrown && thrown.code === 'SQLITE_FULL';
      throw new GatewayError(full ? ErrorCodes.StorageFull : ErrorCodes.StorageWriteFailed, `outbox commit failed: ${toError(thrown).message}`, { cause: thrown, context: { path: this.path, queued: readings.length + messages.length } });
    }
    this.pendingReadings = [];
    this.pendingMessages = [];
    this.flights.acksCommitted(acks);
    if (this.nextId > firstId) this.commitLog.record(this.clock(), firstId);
    this.unsyncedSinceMs ??= this.clock();
    this.notify(committed, alerts);
  }

  nextBatch(options: NextBatchOptions): OutgoingMessage[] {
    this.requireOpen();
    const f = this.flights;
    f.connection(options.liveSinceMs);
    const budget: Budget = { messages: options.maxMessages, bytes: options.maxBytes, out: 0 };
    const out: OutgoingMessage[] = [];
    // Most calls find no alert or health waiting; the depth says so without a query.
    if (this.streamDepth.messageRows() > 0) this.reader.takeStoredMessages(budget, f.busyCount(), out);
    // liveSinceMs <= 0: every stored row is live (`uplink.backlog: live`), also rows from before a restart.
    const boundary = options.liveSinceMs <= 0 ? 1 : this.commitLog.firstIdSince(options.liveSinceMs, this.nextId);
    f.liveCursor = this.reader.takeReadings(Math.max(f.liveCursor, boundary - 1), this.nextId, 1, budget, out, (rows) => buildLive(rows, budget));
    const batchSize = this.config.drain.historyBatch;
    f.historyCursor = this.reader.takeReadings(f.historyCursor, boundary, batchSize, budget, out, (rows) => buildHistory(rows, budget, batchSize));
    for (const message of out) {
      const table = message.lane === 'live' || message.lane === 'history' ? 'readings' : 'messages';
      const stream = 'device' in message ? message.device : messageStream(message.lane);
      f.handOut(message.ids, { table, stream });
      this.counters.add(stream, 'sent', table === 'readings' ? message.readingCount : 1);
    }
    return out;
  }

  ack(ids: number[]): void {
    this.requireOpen();
    for (const flight of this.flights.acknowledge(ids)) {
      this.counters.add(flight.stream, 'acknowledged');
      this.streamDepth.add(flight.stream, -1);
    }
  }

  release(ids: number[]): void {
    this.flights.release(ids);
  }

  clockMs(): number {
    return this.clock();
  }

  depth(): number {
    return this.pendingReadings.length + this.pendingMessages.length + this.streamDepth.total();
  }

  /**
   * Counters per stream and lane. Depth is exact (kept in memory). The oldest row of a device is
   * found by scanning forward from where it was last time: a device's first row only moves
   * forward, so over time each row is passed once, and a health report never reads the table.
   */
  stats(): OutboxStats {
    const db = this.requireOpen();
    const streams: Record<string, StreamCounters> = {};
    const streamOf = (name: string): StreamCounters => (streams[name] ??= { ...emptyStreamCounters(), ...this.counters.get(name) });
    for (const name of this.counters.streams()) streamOf(name);
    for (const [name, n] of this.streamDepth.entries()) {
      const s = streamOf(name);
      s.depth = n;
      if (n > 0 && !isMessageStream(name)) s.oldestTsMs = this.streamDepth.oldestOf(db, name, this.shapes);
    }
    for (const { stream, ts } of oldestMessages(db)) streamOf(stream).oldestTsMs = ts;
    return { path: this.path, bytesOnDisk: fileBytes(this.path), lanes: laneTotals(streams), streams, openState: this.openState };
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
      this.seqs.markClosed(this.db);
    } finally {
      this.db.close();
      this.db = undefined;
    }
  }

  /**
   * Stores the first `accepted` readings; the rest are refused by `reject-new` and counted (their
   * seq is persisted with the others, so a refused reading shows upstream as a gap).
   */
  private insertReadings(db: Database, readings: Reading[], accepted: number): void {
    if (readings.length === 0) return;
    const insert = db.prepare('INSERT INTO readings (id, shape, seq, ts, q, v, r, mono, boot, tq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const perDevice = new Map<string, { stored: number; rejected: number }>();
    for (let i = 0; i < readings.length; i++) {
      const reading = readings[i]!;
      let tally = perDevice.get(reading.device);
      if (!tally) {
        tally = { stored: 0, rejected: 0 };
        perDevice.set(reading.device, tally);
      }
      if (i >= accepted) {
        tally.rejected++;
        continue;
      }
      const shape = this.shapes.shapeOf(reading);
      const row = encodeReading(reading, shape);
      this.streamDepth.stored(reading.device, this.nextId);
      insert.run(this.nextId++, shape.id, row.seq, row.ts, row.q, row.v, row.r, row.mono, this.bootRow, row.tq);
      tally.stored++;
    }
    for (const [device, tally] of perDevice) {
      this.counters.add(device, 'stored', tally.stored);
      this.counters.add(device, 'rejected', tally.rejected);
      this.streamDepth.add(device, tally.stored);
    }
  }

  private insertMessages(db: Database, messages: PendingMessage[], alerts: AlertPayload[]): void {
    if (messages.length === 0) return;
    const insert = db.prepare('INSERT INTO messages (id, lane, ts, payload) VALUES (?, ?, ?, ?)');
    for (const message of messages) {
      insert.run(this.nextId++, messageLanes[message.lane], message.tsMs, message.payload);
      const stream = messageStream(message.lane);
      this.counters.add(stream, 'stored');
      this.streamDepth.add(stream, 1);
      if (message.lane === 'alert') alerts.push(JSON.parse(message.payload) as AlertPayload);
    }
    if (messages.some((m) => m.lane === 'health')) this.trimHealth(db);
  }

  private trimHealth(db: Database): void {
    const ids = db.prepare<[number, number], { id: number }>('SELECT id FROM messages WHERE lane = ? ORDER BY id DESC LIMIT -1 OFFSET ?').all(messageLanes.health, healthKept);
    const old = ids.map((row) => row.id).filter((id) => !this.flights.isBusy(id));
    deleteRows(db, old);
    this.counters.add(healthStream, 'evicted', old.length);
    this.streamDepth.add(healthStream, -old.length);
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

  /**
   * Whether the file takes a commit right now: writes one small row (`meta.alive`) in its own
   * transaction. The service watchdog asks this before telling systemd the gateway is alive, so a
   * locked, read-only or vanished file stops the pings. Never throws.
   */
  canCommit(): boolean {
    if (!this.db) return false;
    try {
      this.db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('alive', ?)").run(this.now());
      return true;
    } catch (thrown) {
      this.log.warn({ err: toError(thrown).message }, 'outbox cannot commit');
      return false;
    }
  }

  /** The commit timer: a failed commit is logged and retried; a full disk first makes room. */
  private flushQuietly(): void {
    try {
      this.flush();
      this.syncIfDue();
    } catch (thrown) {
      this.log.error({ err: toError(thrown), queued: this.pendingReadings.length }, 'outbox commit failed; readings stay queued in memory');
      if (isGatewayError(thrown, ErrorCodes.StorageFull)) this.makeRoom();
    }
  }

  /**
   * `sync: normal` commits without fsync; a checkpoint fsyncs the WAL and the file, so running
   * one at most `syncInterval` after a commit bounds what a power cut can take.
   */
  private syncIfDue(): void {
    if (this.config.sync === 'full' || this.unsyncedSinceMs === undefined) return;
    if (this.clock() - this.unsyncedSinceMs < this.config.syncInterval) return;
    const db = this.requireOpen();
    db.pragma('wal_checkpoint(PASSIVE)');
    this.unsyncedSinceMs = undefined;
    this.retention.shrink(db);
  }

  /** The disk is full before the byte limits said so: apply the when-full policy now. */
  private makeRoom(): void {
    const db = this.requireOpen();
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      if (this.config.whenFull === 'reject-new') {
        for (const reading of this.pendingReadings) this.counters.add(reading.device, 'rejected');
        this.pendingReadings = [];
      } else {
        db.transaction(() => this.retention.evictShare(this.retentionHost, 0.1))();
      }
    } catch (thrown) {
      this.log.error({ err: toError(thrown) }, 'could not make room in the outbox');
    }
  }

  private requireOpen(): Database {
    if (!this.db) throw new GatewayError(ErrorCodes.StorageClosed, 'outbox is not open', { context: { path: this.path } });
    return this.db;
  }
}
