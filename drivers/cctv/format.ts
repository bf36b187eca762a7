import type { NewReading, PointValue } from '../../core/reading.ts';
import type { ProbeName } from './probe.ts';

const probeOrder: readonly ProbeName[] = ['icmp', 'tcp', 'rtsp', 'onvif', 'snapshot', 'poe', 'contacts'];

const stateWords: Record<string, string> = { ok: 'OK / ปกติ', degraded: 'DEGRADED / ทำงานผิดปกติ', offline: 'OFFLINE / ออฟไลน์' };

function show(value: PointValue, unit: string | undefined): string {
  if (value === null) return '-';
  return unit ? `${value} ${unit}` : String(value);
}

/**
 * A `cctv-health` reading as a technician reads it at the cabinet: the state and since when, then
 * one line per probe with its verdict, what it measured and why it is not ok.
 *
 *   cam-nimman-01  DEGRADED / ทำงานผิดปกติ  since 2026-11-21 12:57:26 UTC
 *     rtsp      ok        code 401, auth required    RTSP alive, needs credentials (digest)
 */
export function formatCameraHealth(reading: NewReading): string {
  const since = typeof reading.values.since === 'string' ? reading.values.since.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '?';
  const state = String(reading.values.state ?? 'unknown');
  const lines = [`${reading.device}  ${stateWords[state] ?? state}  since ${since}`];
  for (const probe of probeOrder) {
    const verdict = reading.values[probe];
    if (typeof verdict !== 'string') continue;
    const measured = Object.entries(reading.values)
      .filter(([key]) => key.startsWith(`${probe}.`) && key !== `${probe}.duration`)
      .map(([key, value]) => `${key.slice(probe.length + 1)} ${show(value, reading.units[key])}`)
      .join(', ');
    const why = reading.reasons?.[probe] ?? '';
    const shownVerdict = verdict === 'ok' ? 'ok' : verdict.toUpperCase();
    lines.push(`  ${probe.padEnd(9)} ${shownVerdict.padEnd(9)} ${measured}${why ? `   ${why}` : ''}`.trimEnd());
  }
  if (reading.quality !== 'good') lines.push(`  (reading quality ${reading.quality}: a probe could not tell)`);
  return `${lines.join('\n')}\n`;
}
