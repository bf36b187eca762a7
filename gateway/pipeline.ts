import type { Logger } from '../core/log.ts';
import { toError } from '../core/errors.ts';
import type { ReadingProcessor } from './processing/types.ts';
import type { NewReading } from '../core/reading.ts';
import type { Outbox } from './outbox/types.ts';
import type { Stamp } from './clock/timekeeper.ts';

/** What stamps readings with time (the Timekeeper). */
export interface ReadingStamper {
  stamp(device: string, measuredWallMs?: number): Stamp;
  noteSeq(device: string, seq: number): void;
}

export interface PipelineCounters {
  produced: number;
  queued: number;
  processorErrors: number;
  storeErrors: number;
}

/**
 * The data path from a driver to the outbox: the time stamp (wall time as well as known, the
 * monotonic time, and how good the wall time is), edge processing (plausibility, flood stage,
 * AQI ..., which measure durations on the monotonic time), then the outbox, which gives the reading its `seq` and commits it before anything else sees it.
 * A failing processor is contained: the reading goes on unprocessed by it, and the failure is counted.
 */
export class ReadingPipeline {
  readonly #processors: ReadingProcessor[];
  readonly #outbox: Outbox;
  readonly #log: Logger;
  readonly #stamper: ReadingStamper | undefined;
  readonly counters: PipelineCounters = { produced: 0, queued: 0, processorErrors: 0, storeErrors: 0 };

  /** Without a stamper the driver's wall time is kept as it is (tools, tests). */
  constructor(processors: ReadingProcessor[], outbox: Outbox, log: Logger, stamper?: ReadingStamper) {
    this.#stamper = stamper;
    this.#processors = processors;
    this.#outbox = outbox;
    this.#log = log;
  }

  emit(reading: NewReading): void {
    this.counters.produced += 1;
    let current = reading;
    if (this.#stamper) {
      try {
        const { tsMs, monoMs, timeQuality } = this.#stamper.stamp(reading.device, reading.tsMs);
        current = timeQuality ? { ...reading, tsMs, monoMs, timeQuality } : { ...reading, tsMs, monoMs };
      } catch (error) {
        this.#log.error({ device: reading.device, err: toError(error).message }, 'could not stamp reading; driver time kept');
      }
    }
    for (const processor of this.#processors) {
      try {
        current = processor.process(current);
      } catch (error) {
        this.counters.processorErrors += 1;
        this.#log.error({ processor: processor.name, device: reading.device, err: toError(error).message }, 'reading processor failed; reading kept without it');
      }
    }
    try {
      const committed = this.#outbox.appendReading(current);
      this.counters.queued += 1;
      this.#stamper?.noteSeq(committed.device, committed.seq);
    } catch (error) {
      this.counters.storeErrors += 1;
      this.#log.error({ device: reading.device, err: toError(error).message }, 'could not store reading');
    }
  }
}
