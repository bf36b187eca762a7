import type { NewReading } from '../../core/reading.ts';

/**
 * The time axis edge computations run on (rate of rise, stage hold, stale alarm, flat-line,
 * rolling means): the monotonic clock, shifted once, at start, by the wall offset of that moment,
 * so numbers look like UTC and saved state stays comparable across restarts. It never jumps while
 * the gateway runs: when NTP or GNSS steps the wall clock by days, no window empties, no hold is
 * cut short and no sensor looks silent, so the step fires or clears no alert.
 */
export interface EdgeClock {
  /** Now on the edge axis. */
  nowMs(): number;
  /** When a reading was taken on the edge axis (its monotonic time when it has one). */
  of(reading: NewReading): number;
  /** The wall time (as well as the gateway knows it) of a moment on the edge axis, for messages. */
  wallOf(edgeMs: number): number;
}

/** The gateway's edge clock: `monoMs` is CLOCK_MONOTONIC, `wallNowMs` the best known UTC. */
export function monotonicEdgeClock(monoMs: () => number, wallNowMs: () => number): EdgeClock {
  const offsetMs = wallNowMs() - monoMs();
  return {
    nowMs: () => monoMs() + offsetMs,
    of: (reading) => (reading.monoMs === undefined ? reading.tsMs : reading.monoMs + offsetMs),
    wallOf: (edgeMs) => wallNowMs() - (monoMs() + offsetMs - edgeMs),
  };
}

/** Without a gateway (tools, tests): reading time and a wall clock, as given. */
export function wallEdgeClock(nowMs: () => number = Date.now): EdgeClock {
  return { nowMs, of: (reading) => reading.tsMs, wallOf: (edgeMs) => edgeMs };
}
