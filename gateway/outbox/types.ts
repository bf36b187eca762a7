import type { AlertInput, AlertPayload } from '../../core/alert.ts';
import type { NewReading, Reading } from '../../core/reading.ts';

/**
 * Send lanes, highest priority first. Readings are stored once; whether a stored reading goes out
 * `live` (one per message on `devices/{id}/readings`) or as `history` (batched on
 * `devices/{id}/history`) is decided when it is sent: what accumulated before the current
 * connection came up is backlog.
 */
export const sendLanes = ['alert', 'health', 'event', 'live', 'history'] as const;
export type SendLane = (typeof sendLanes)[number];

/**
 * A message ready to publish: its lane, the device it is about (readings), and its payload. The
 * uplink decides the topic (uplink/topics.ts). `ids` are the outbox rows it carries; ack them on PUBACK.
 */
export type OutgoingMessage =
  | {
      ids: number[];
      lane: 'live' | 'history';
      device: string;
      payload: string;
      /** Readings carried (1 for live, the batch size for history). */
      readingCount: number;
    }
  | {
      ids: number[];
      lane: 'alert' | 'health' | 'event';
      payload: string;
      readingCount: 0;
    };

export interface NextBatchOptions {
  /**
   * Readings stored before this time, on the outbox's own clock (`Outbox.clockMs()`), are backlog
   * (history lane); newer ones are live. 0: all live.
   */
  liveSinceMs: number;
  maxMessages: number;
  maxBytes: number;
}

/** The persisted loss counts of one lane or stream. */
export interface LossCounts {
  produced: number;
  stored: number;
  sent: number;
  acknowledged: number;
  evicted: number;
  expired: number;
  rejected: number;
}

/** Loss accounting per lane and stream, for the health topic and `citygw buffer`. */
export interface StreamCounters extends LossCounts {
  depth: number;
  oldestTsMs: number | null;
}

export interface OutboxStats {
  path: string;
  bytesOnDisk: number;
  /** Per lane (`alert`, `health`, `reading`) and per stream (a device id, `alerts`, `health`). */
  lanes: Record<string, StreamCounters>;
  streams: Record<string, StreamCounters>;
  /** What happened at open: `ok`, or a corrupt file that was moved aside. */
  openState: { state: 'ok' | 'recovered'; movedTo?: string; reason?: string };
}

/** Called after rows are durably committed (group commit), in commit order. */
export interface OutboxListener {
  readingsCommitted?(readings: Reading[]): void;
  alertsCommitted?(alerts: AlertPayload[]): void;
}

/**
 * The store-and-forward outbox: the single source of truth for "what has not been confirmed
 * upstream". Rows leave it only by `ack` (the broker's PUBACK) or by a declared retention policy,
 * and both are counted. Implementations: SqliteOutbox. Every implementation passes
 * test/contract/outbox.contract.ts.
 */
export interface Outbox {
  open(): void;
  /** Gives the reading its per-device `seq` and queues it for the next group commit. */
  appendReading(reading: NewReading): Reading;
  appendAlert(alert: AlertInput): AlertPayload;
  /** A health or status snapshot (only the newest few are kept). */
  appendHealth(payload: object): void;
  /** A gateway event for `{prefix}/{gatewayId}/events` (a clock correction); never evicted. */
  appendEvent(payload: object): void;
  /** Commits everything queued now (called on shutdown and by the commit timer). */
  flush(): void;
  /** The next messages to send, highest lane first, excluding rows already in flight. */
  nextBatch(options: NextBatchOptions): OutgoingMessage[];
  /** The broker acknowledged these rows: they leave the outbox. */
  ack(ids: number[]): void;
  /** These rows were in flight when the link dropped: send them again. */
  release(ids: number[]): void;
  /** The clock commits are timed on (monotonic in the gateway), for `NextBatchOptions.liveSinceMs`. */
  clockMs(): number;
  /** Rows waiting (not acknowledged), including in-flight ones. */
  depth(): number;
  stats(): OutboxStats;
  /** Whether the store takes a commit now (a real, tiny write); for the service watchdog. */
  canCommit(): boolean;
  addListener(listener: OutboxListener): () => void;
  close(): void;
}
