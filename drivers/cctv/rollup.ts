import type { NewReading, PointValue, Quality } from '../../core/reading.ts';
import { networkProbes, type ProbeName, type ProbeResult } from './probe.ts';

/** A camera's health as a whole. */
export type CameraState = 'ok' | 'degraded' | 'offline';

export interface Rollup {
  state: CameraState;
  /** Why the state is not ok, most serious first (`rtsp: connection refused`). */
  reasons: string[];
}

const powerProbes: readonly ProbeName[] = ['poe', 'contacts'];

/**
 * Rolls probe results up to one state:
 * - offline: the camera has no power (PoE not delivering, power contact off), or every network
 *   probe that can tell (icmp, tcp, rtsp, onvif, snapshot) finds it down;
 * - degraded: anything else not ok (one path down, login rejected, flat image, skewed clock,
 *   door open, a probe that cannot tell);
 * - ok: every probe ok.
 */
export function rollUp(results: ProbeResult[]): Rollup {
  const note = (r: ProbeResult): string => `${r.probe}: ${r.reason ?? r.verdict}`;
  const unpowered = results.filter((r) => powerProbes.includes(r.probe) && r.verdict === 'down');
  const network = results.filter((r) => networkProbes.includes(r.probe) && r.verdict !== 'unknown');
  const networkDown = network.length > 0 && network.every((r) => r.verdict === 'down');
  const notOk = results.filter((r) => r.verdict !== 'ok');
  if (unpowered.length > 0 || networkDown) {
    const first = [...unpowered, ...(networkDown ? network : [])];
    const rest = notOk.filter((r) => !first.includes(r));
    return { state: 'offline', reasons: [...first, ...rest].map(note) };
  }
  const order: Record<string, number> = { down: 0, degraded: 1, unknown: 2 };
  const sorted = [...notOk].sort((a, b) => (order[a.verdict] ?? 3) - (order[b.verdict] ?? 3));
  return { state: sorted.length > 0 ? 'degraded' : 'ok', reasons: sorted.map(note) };
}

/**
 * The `cctv-health` reading: `state` (ok|degraded|offline), `since` (when the state began),
 * `{probe}` (each probe's verdict) and `{probe}.{value}` for what it measured. `reasons` carries
 * `state` (all reasons joined) and one entry per probe that is not ok.
 */
export function healthReading(device: string, kind: string, results: ProbeResult[], rollup: Rollup, sinceMs: number, tsMs: number): NewReading {
  const values: Record<string, PointValue> = { state: rollup.state, since: new Date(sinceMs).toISOString() };
  const units: Record<string, string> = {};
  const reasons: Record<string, string> = {};
  let quality: Quality = 'good';
  for (const result of results) {
    values[result.probe] = result.verdict;
    values[`${result.probe}.duration`] = result.durationMs;
    units[`${result.probe}.duration`] = 'ms';
    for (const [name, value] of Object.entries(result.values)) values[`${result.probe}.${name}`] = value;
    for (const [name, unit] of Object.entries(result.units)) if (unit !== '') units[`${result.probe}.${name}`] = unit;
    if (result.reason !== undefined) reasons[result.probe] = result.reason;
    // A probe that could not tell makes the reading uncertain, not the camera bad.
    if (result.verdict === 'unknown') quality = 'uncertain';
  }
  if (rollup.reasons.length > 0) reasons.state = rollup.reasons.join('; ');
  const reading: NewReading = { device, kind, tsMs, values, units, quality };
  if (Object.keys(reasons).length > 0) reading.reasons = reasons;
  return reading;
}
