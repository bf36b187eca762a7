import { z } from 'zod';
import { durationMs, sizeBytes } from '../../core/units.ts';

/** A duration within bounds; `low` and `high` are how the bounds read in an error message. */
function between(minMs: number, maxMs: number, low: string, high: string) {
  return durationMs.pipe(z.number().min(minMs, `at least ${low}`).max(maxMs, `at most ${high}`));
}

/**
 * `buffer`: the SQLite outbox that holds every reading until the broker acknowledges it. See
 * gateway/outbox/README.md for what each setting promises.
 */
export const bufferSchema = z
  .strictObject({
    /** Database file; relative paths are under `gateway.dataDir`. */
    path: z.string().min(1).default('outbox.db'),
    /** Size limit of the database file (`512MB`); the when-full policy applies beyond it. */
    maxBytes: sizeBytes.pipe(z.number().min(1024 * 1024, 'at least 1MB')).default(512 * 1024 * 1024),
    /** Readings kept at most (alerts are not counted and never removed). */
    maxRows: z.number().int().positive().default(5_000_000),
    /** Readings measured longer ago than this are removed (counted as expired). */
    maxAge: between(60_000, 3650 * 86_400_000, '1m', '3650d').default(30 * 86_400_000),
    /** Keep at least this much of the file system free; the when-full policy applies before it is reached. */
    minFreeDisk: sizeBytes.default(64 * 1024 * 1024),
    /**
     * What happens at a limit: `drop-oldest` evicts the oldest readings, `reject-new` refuses new
     * ones, `downsample` halves the backlog's resolution, oldest first. All counted.
     */
    whenFull: z.enum(['drop-oldest', 'reject-new', 'downsample']).default('drop-oldest'),
    /**
     * `normal`: the file is fsynced at most `syncInterval` apart, so a power cut loses at most
     * `commitInterval + syncInterval` of readings; `full`: every commit is fsynced, a power cut
     * loses at most `commitInterval`. A process crash loses at most `commitInterval` either way.
     */
    sync: z.enum(['normal', 'full']).default('normal'),
    /** Readings are committed in groups at most this far apart (SD cards wear out on per-row writes). */
    commitInterval: between(10, 60_000, '10ms', '60s').default(200),
    /** With `sync: normal`, how often committed data is forced to the card. */
    syncInterval: between(100, 600_000, '100ms', '10m').default(5_000),
    drain: z
      .strictObject({
        /** Messages published per second at most (live readings, history batches, alerts, health). */
        messagesPerSecond: z.number().positive().default(500),
        /** Payload bytes per second at most, as a size (`200KB`) or a number: the budget of a metered cellular link. */
        bytesPerSecond: sizeBytes.pipe(z.number().positive()).default(1_000_000),
        /** Readings per `history` message after an outage. */
        historyBatch: z.number().int().min(1).max(10_000).default(500),
        /** QoS 1 messages in flight at once. */
        inflight: z.number().int().min(1).max(10_000).default(100),
      })
      .prefault({}),
  })
  .prefault({});

export type BufferConfig = z.output<typeof bufferSchema>;
