import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import { toPayload } from '../../core/reading.ts';
import { toAlertPayload, type AlertInput } from '../../core/alert.ts';
import type { NewReading } from '../../core/reading.ts';
import type { Probe, ProbeName, ProbeResult } from '../../drivers/cctv/probe.ts';
import { Camera } from '../../drivers/cctv/camera.ts';
import { payloadValidators } from '../helpers/asyncapi.ts';

// What the camera family publishes (health readings, offline/degraded alerts) against the AsyncAPI
// document integrators read.

const validators = payloadValidators();

const results: ProbeResult[] = [
  { probe: 'icmp', verdict: 'unknown', reason: 'icmp not available (no ping program); use the tcp probe', values: { rtt: null }, units: { rtt: 'ms' }, tsMs: 0, durationMs: 1 },
  { probe: 'tcp', verdict: 'down', reason: 'no port answers (554, 80): timeout', values: { open: null, rtt: null }, units: { rtt: 'ms' }, tsMs: 0, durationMs: 5000 },
  { probe: 'rtsp', verdict: 'down', reason: 'timeout after 5000 ms', values: {}, units: {}, tsMs: 0, durationMs: 5000 },
  { probe: 'onvif', verdict: 'down', reason: 'connection refused', values: {}, units: {}, tsMs: 0, durationMs: 3 },
  { probe: 'snapshot', verdict: 'down', reason: 'connection refused', values: {}, units: {}, tsMs: 0, durationMs: 3 },
  { probe: 'poe', verdict: 'down', reason: 'PoE fault on the switch port', values: { status: 'fault', power: 0 }, units: { power: 'W' }, tsMs: 0, durationMs: 20 },
  { probe: 'contacts', verdict: 'degraded', reason: 'cabinet door open', values: { power: true, tamper: false, door: true, age: 3 }, units: { age: 's' }, tsMs: 0, durationMs: 0 },
];

describe('cctv payloads match the AsyncAPI contract', () => {
  const readings: NewReading[] = [];
  const alerts: AlertInput[] = [];
  const probe = (name: ProbeName): Probe => ({ name, intervalMs: 1000, timeoutMs: 1000, run: () => Promise.reject(new Error('not used')) });
  const camera = new Camera({ id: 'cam-12', kind: 'cctv-health', probes: results.map((r) => probe(r.probe)), log: silentLogger(), alert: (a) => alerts.push(a), emit: (r) => readings.push(r) });
  for (const result of results) camera.record(result);
  camera.record({ ...results[1]!, verdict: 'ok', reason: undefined, values: { open: '554', rtt: 1.2 } });

  it('health readings are valid ReadingPayloads', () => {
    expect(readings.length).toBeGreaterThan(0);
    readings.forEach((reading, i) => {
      const payload = toPayload({ ...reading, seq: i + 1 });
      const valid = validators.ReadingPayload(payload);
      expect(validators.ReadingPayload.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    });
  });

  it('offline and degraded alerts are valid AlertPayloads', () => {
    expect(alerts.map((a) => `${a.rule} ${a.state}`)).toEqual(['cctv-offline raised']);
    for (const alert of alerts) {
      const valid = validators.AlertPayload(toAlertPayload(alert));
      expect(validators.AlertPayload.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    }
  });
});
