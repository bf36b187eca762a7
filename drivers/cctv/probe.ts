import type { PointValue } from '../../core/reading.ts';
import type { Logger } from '../../core/log.ts';

/**
 * What one probe concluded about the camera:
 * - `ok`: this path works.
 * - `degraded`: the camera answers but something is wrong (bad credentials, flat image, clock skew, door open).
 * - `down`: this path is dead (no connection, no power, PoE fault).
 * - `unknown`: the probe could not tell (the PoE switch or the DI module did not answer, stale contacts).
 */
export type ProbeVerdict = 'ok' | 'degraded' | 'down' | 'unknown';

export type ProbeName = 'icmp' | 'tcp' | 'rtsp' | 'onvif' | 'snapshot' | 'poe' | 'contacts';

/** Network probes talk to the camera itself; when all of them are down the camera is offline. */
export const networkProbes: readonly ProbeName[] = ['icmp', 'tcp', 'rtsp', 'onvif', 'snapshot'];

export interface ProbeResult {
  probe: ProbeName;
  verdict: ProbeVerdict;
  /** Why the verdict is not `ok` (or a note worth showing even when ok), in plain words. */
  reason?: string;
  /** Measured values, keyed without the probe prefix (`rttMs` becomes `tcp.rtt` in the reading). */
  values: Record<string, PointValue>;
  units: Record<string, string>;
  tsMs: number;
  durationMs: number;
}

/** What a probe run gets: a deadline (as a signal) and a logger. */
export interface ProbeRun {
  signal: AbortSignal;
  log: Logger;
}

/** One configured probe of one camera. `run` never throws: every failure is a result. */
export interface Probe {
  readonly name: ProbeName;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  run(run: ProbeRun): Promise<ProbeResult>;
}

/** Partial result a probe body returns; `runProbe` adds the timing. */
export type ProbeOutcome = Omit<ProbeResult, 'probe' | 'tsMs' | 'durationMs'>;
