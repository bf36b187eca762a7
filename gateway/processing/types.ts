import type { NewReading } from '../../core/reading.ts';

/**
 * Edge computation on a reading before it is committed: plausibility checks, flood stage and
 * rate of rise, AQI, water class. Processors run in order; each returns the (possibly enriched)
 * reading. They must be fast and must not throw for bad data: they mark quality instead.
 */
export interface ReadingProcessor {
  readonly name: string;
  process(reading: NewReading): NewReading;
  /** Optional timers (stale-sensor watch); started after the outbox, stopped before it. */
  start?(signal: AbortSignal): Promise<void>;
  stop?(): Promise<void>;
}
