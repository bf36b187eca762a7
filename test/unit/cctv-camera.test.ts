import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import type { AlertInput } from '../../core/alert.ts';
import type { NewReading } from '../../core/reading.ts';
import type { Probe, ProbeName, ProbeResult, ProbeVerdict } from '../../drivers/cctv/probe.ts';
import { Camera } from '../../drivers/cctv/camera.ts';

// The Camera's state machine, fed results directly (the probes themselves are tested against real peers).

const probe = (name: ProbeName): Probe => ({ name, intervalMs: 1000, timeoutMs: 1000, run: () => Promise.reject(new Error('not used')) });
const result = (name: ProbeName, verdict: ProbeVerdict, reason?: string): ProbeResult => {
  const r: ProbeResult = { probe: name, verdict, values: {}, units: {}, tsMs: 0, durationMs: 1 };
  if (reason !== undefined) r.reason = reason;
  return r;
};

function camera(confirm = 1): { cam: Camera; readings: NewReading[]; alerts: AlertInput[] } {
  const readings: NewReading[] = [];
  const alerts: AlertInput[] = [];
  let nowMs = 1_000;
  const cam = new Camera({
    id: 'cam-9',
    kind: 'cctv-health',
    probes: [probe('tcp'), probe('rtsp')],
    log: silentLogger(),
    alert: (a) => alerts.push(a),
    emit: (r) => readings.push(r),
    confirm,
    now: () => (nowMs += 1000),
  });
  return { cam, readings, alerts };
}

describe('Camera state and alerts', () => {
  it('decides nothing until every probe has reported once', () => {
    const { cam, readings } = camera();
    cam.record(result('tcp', 'ok'));
    expect(cam.state).toBeUndefined();
    cam.emitNow();
    expect(readings).toEqual([]);
    cam.record(result('rtsp', 'ok'));
    expect(cam.state).toBe('ok');
    expect(readings).toHaveLength(1);
  });

  it('offline raises a critical alert in Thai and English; back to ok clears it; since moves with the state', () => {
    const { cam, readings, alerts } = camera();
    cam.record(result('tcp', 'ok'));
    cam.record(result('rtsp', 'ok'));
    const okSince = readings[0]!.values.since;
    cam.record(result('tcp', 'down', 'connection refused'));
    expect(cam.state).toBe('degraded');
    cam.record(result('rtsp', 'down', 'connection refused'));
    expect(cam.state).toBe('offline');
    expect(readings.at(-1)!.values.since).not.toBe(okSince);
    expect(alerts.map((a) => `${a.id} ${a.state}`)).toEqual(['cctv-degraded:cam-9 raised', 'cctv-degraded:cam-9 cleared', 'cctv-offline:cam-9 raised']);
    const offline = alerts[2]!;
    expect(offline).toMatchObject({ severity: 'critical', rule: 'cctv-offline', device: 'cam-9' });
    expect(offline.message.th).toMatch(/^กล้อง cam-9 ออฟไลน์: tcp: connection refused/);
    expect(offline.message.en).toMatch(/^Camera cam-9 is offline: tcp: connection refused/);
    cam.record(result('tcp', 'ok'));
    cam.record(result('rtsp', 'ok'));
    expect(cam.state).toBe('ok');
    expect(alerts[3]!.message).toEqual({ th: 'กล้อง cam-9 หายจากสถานะออฟไลน์แล้ว (ตอนนี้: ทำงานผิดปกติ)', en: 'Camera cam-9 is no longer offline (now degraded)' });
    expect(alerts.slice(3).map((a) => `${a.id} ${a.state}`)).toEqual(['cctv-offline:cam-9 cleared', 'cctv-degraded:cam-9 raised', 'cctv-degraded:cam-9 cleared']);
    expect(cam.stats()).toMatchObject({ state: 'online', camera: 'ok', polls: 6, ok: 4, errors: { 'tcp-down': 1, 'rtsp-down': 1 } });
  });

  it('a camera found offline at start raises at once (nothing to clear)', () => {
    const { cam, alerts } = camera();
    cam.record(result('tcp', 'down'));
    cam.record(result('rtsp', 'down'));
    expect(alerts.map((a) => `${a.id} ${a.state}`)).toEqual(['cctv-offline:cam-9 raised']);
  });

  it('with confirm 2 a single failed run is ignored, two in a row count, one good run restores', () => {
    const { cam, alerts } = camera(2);
    cam.record(result('tcp', 'ok'));
    cam.record(result('rtsp', 'ok'));
    cam.record(result('rtsp', 'down'));
    expect(cam.state).toBe('ok');
    cam.record(result('rtsp', 'ok'));
    cam.record(result('rtsp', 'down'));
    expect(cam.state).toBe('ok');
    cam.record(result('rtsp', 'down'));
    expect(cam.state).toBe('degraded');
    cam.record(result('rtsp', 'ok'));
    expect(cam.state).toBe('ok');
    expect(alerts.map((a) => a.state)).toEqual(['raised', 'cleared']);
  });
});
