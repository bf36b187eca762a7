import { z } from 'zod';
import { durationMs, sizeBytes } from '../config/units.ts';

/** `buffer`: the SQLite outbox that holds every reading until the broker acknowledges it. */
export const bufferSchema = z
  .strictObject({
    /** Database file; relative paths are under `gateway.dataDir`. */
    path: z.string().min(1).default('outbox.db'),
    maxBytes: sizeBytes.default(512 * 1024 * 1024),
    maxRows: z.number().int().positive().default(5_000_000),
    maxAge: durationMs.default(30 * 86_400_000),
    /** Keep at least this much of the file system free; the when-full policy applies before it is reached. */
    minFreeDisk: sizeBytes.default(64 * 1024 * 1024),
    whenFull: z.enum(['drop-oldest', 'reject-new', 'downsample']).default('drop-oldest'),
    /** `normal`: a power cut may lose the last commit interval; `full`: fsync on every commit. */
    sync: z.enum(['normal', 'full']).default('normal'),
    /** Readings are committed in groups at most this far apart (SD cards wear out on per-row writes). */
    commitInterval: durationMs.default(200),
    drain: z
      .strictObject({
        messagesPerSecond: z.number().positive().default(500),
        /** Bytes per second, as a size (`200KB`) or a number. */
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
