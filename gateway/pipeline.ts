import type { Logger } from '../core/log.ts';
import { toError } from '../core/errors.ts';
import type { ReadingProcessor } from './processing/types.ts';
import type { NewReading } from '../core/reading.ts';
import type { Outbox } from './outbox/types.ts';

export interface PipelineCounters {
  produced: number;
  queued: number;
  processorErrors: number;
  storeErrors: number;
}

/**
 * The data path from a driver to the outbox: edge processing (plausibility, flood stage, AQI ...)
 * then the outbox, which gives the reading its `seq` and commits it before anything else sees it.
 * A failing processor is contained: the reading goes on unprocessed by it, and the failure is counted.
 */
export class ReadingPipeline {
  readonly #processors: ReadingProcessor[];
  readonly #outbox: Outbox;
  readonly #log: Logger;
  readonly counters: PipelineCounters = { produced: 0, queued: 0, processorErrors: 0, storeErrors: 0 };

  constructor(processors: ReadingProcessor[], outbox: Outbox, log: Logger) {
    this.#processors = processors;
    this.#outbox = outbox;
    this.#log = log;
  }

  emit(reading: NewReading): void {
    this.counters.produced += 1;
    let current = reading;
    for (const processor of this.#processors) {
      try {
        current = processor.process(current);
      } catch (error) {
        this.counters.processorErrors += 1;
        this.#log.error({ processor: processor.name, device: reading.device, err: toError(error).message }, 'reading processor failed; reading kept without it');
      }
    }
    try {
      this.#outbox.appendReading(current);
      this.counters.queued += 1;
    } catch (error) {
      this.counters.storeErrors += 1;
      this.#log.error({ device: reading.device, err: toError(error).message }, 'could not store reading');
    }
  }
}
