import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.ts';
import type { Reading } from '../../core/reading.ts';
import type { ProbeName, ProbeResult, ProbeVerdict } from '../../drivers/cctv/probe.ts';
import { healthReading, rollUp } from '../../drivers/cctv/rollup.ts';
import { contactsProbe, type ContactsProbeOptions } from '../../drivers/cctv/probes/contacts.ts';
import { formatCameraHealth } from '../../drivers/cctv/format.ts';

function result(probe: ProbeName, verdict: ProbeVerdict, reason?: string): ProbeResult {
  const r: ProbeResult = { probe, verdict, values: {}, units: {}, tsMs: 0, durationMs: 1 };
  if (reason !== undefined) r.reason = reason;
  return r;
}

describe('rollUp', () => {
  it('all ok is ok with no reasons', () => {
    expect(rollUp([result('tcp', 'ok'), result('rtsp', 'ok'), result('poe', 'ok')])).toEqual({ state: 'ok', reasons: [] });
  });

  it('one network path down while another answers is degraded', () => {
    const rollup = rollUp([result('tcp', 'ok'), result('rtsp', 'down', 'connection refused')]);
    expect(rollup).toEqual({ state: 'degraded', reasons: ['rtsp: connection refused'] });
  });

  it('every network probe down is offline; icmp that cannot tell does not save it', () => {
    const rollup = rollUp([result('icmp', 'unknown', 'no ping'), result('tcp', 'down', 'timeout'), result('onvif', 'down', 'timeout')]);
    expect(rollup.state).toBe('offline');
    expect(rollup.reasons.slice(0, 2)).toEqual(['tcp: timeout', 'onvif: timeout']);
  });

  it('no power (PoE or contact) is offline even when the network still answers, power reason first', () => {
    expect(rollUp([result('tcp', 'ok'), result('poe', 'down', 'PoE fault')])).toEqual({ state: 'offline', reasons: ['poe: PoE fault'] });
    expect(rollUp([result('snapshot', 'degraded', 'flat'), result('contacts', 'down', 'camera power is off')]).reasons).toEqual(['contacts: camera power is off', 'snapshot: flat']);
  });

  it('a switch or DI module that cannot tell makes the camera degraded, not offline', () => {
    expect(rollUp([result('tcp', 'ok'), result('poe', 'unknown', 'no SNMP reply')]).state).toBe('degraded');
    expect(rollUp([result('poe', 'unknown'), result('contacts', 'unknown')]).state).toBe('degraded');
  });

  it('the reading carries state, since, each verdict, prefixed values and per-probe reasons', () => {
    const rtsp: ProbeResult = { probe: 'rtsp', verdict: 'ok', values: { code: 200, codec: 'H264' }, units: {}, tsMs: 0, durationMs: 12 };
    const poe: ProbeResult = { probe: 'poe', verdict: 'unknown', reason: 'no SNMP reply', values: { power: null }, units: { power: 'W' }, tsMs: 0, durationMs: 500 };
    const reading = healthReading('cam-1', 'cctv-health', [rtsp, poe], rollUp([rtsp, poe]), Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 2, 0, 5));
    expect(reading).toEqual({
      device: 'cam-1',
      kind: 'cctv-health',
      tsMs: Date.UTC(2026, 0, 2, 0, 5),
      quality: 'uncertain',
      values: { state: 'degraded', since: '2026-01-02T00:00:00.000Z', rtsp: 'ok', 'rtsp.duration': 12, 'rtsp.code': 200, 'rtsp.codec': 'H264', poe: 'unknown', 'poe.duration': 500, 'poe.power': null },
      units: { 'rtsp.duration': 'ms', 'poe.duration': 'ms', 'poe.power': 'W' },
      reasons: { poe: 'no SNMP reply', state: 'poe: no SNMP reply' },
    });
  });
});

describe('contacts probe (reads the DI module through latestReading)', () => {
  const nowMs = 1_800_000_000_000;
  const di = (values: Reading['values'], ageMs = 1000, reasons?: Record<string, string>): Reading => {
    const reading: Reading = { device: 'cab-di', kind: 'digital-io', tsMs: nowMs - ageMs, seq: 9, values, units: {}, quality: 'good' };
    if (reasons) reading.reasons = reasons;
    return reading;
  };
  const run = async (reading: Reading | undefined, extra: Partial<ContactsProbeOptions> = {}): Promise<ProbeResult> => {
    const probe = contactsProbe({
      device: 'cab-di',
      power: { point: 'di0', invert: false },
      tamper: { point: 'di1', invert: false },
      door: { point: 'di2', invert: false },
      maxAgeMs: 30_000,
      intervalMs: 1000,
      timeoutMs: 1000,
      latestReading: (id) => (id === 'cab-di' ? reading : undefined),
      now: () => nowMs,
      ...extra,
    });
    return probe.run({ signal: new AbortController().signal, log: silentLogger() });
  };

  it('power on, tamper and door closed: ok with the three states', async () => {
    const r = await run(di({ di0: true, di1: false, di2: 0 }));
    expect(r).toMatchObject({ verdict: 'ok', values: { power: true, tamper: false, door: false, age: 1 } });
  });

  it('power off is down; tamper or door is degraded', async () => {
    expect(await run(di({ di0: false, di1: false, di2: false }))).toMatchObject({ verdict: 'down', reason: 'camera power is off' });
    expect(await run(di({ di0: 1, di1: 1, di2: 1 }))).toMatchObject({ verdict: 'degraded', reason: 'tamper switch tripped; cabinet door open' });
  });

  it('normally-closed wiring is inverted', async () => {
    const r = await run(di({ di0: true, di1: false, di2: true }), { door: { point: 'di2', invert: true } });
    expect(r).toMatchObject({ verdict: 'ok', values: { door: false } });
  });

  it('no reading, a stale reading, or an unread point is unknown, with the reason', async () => {
    expect(await run(undefined)).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/no reading yet/) });
    expect(await run(di({ di0: true }, 60_000))).toMatchObject({ verdict: 'unknown', reason: expect.stringMatching(/stale \(60 s old\)/) });
    const r = await run(di({ di0: true, di1: null, di2: false }, 1000, { di1: 'timeout' }));
    expect(r).toMatchObject({ verdict: 'unknown', reason: expect.stringContaining('tamper (di1: timeout)') });
  });
});

describe('formatCameraHealth', () => {
  it('prints the state with since, then one line per probe with measurements and reasons', () => {
    const rtsp: ProbeResult = { probe: 'rtsp', verdict: 'ok', reason: 'RTSP alive, needs credentials (digest)', values: { code: 401, auth: 'required' }, units: {}, tsMs: 0, durationMs: 9 };
    const poe: ProbeResult = { probe: 'poe', verdict: 'down', reason: 'PoE fault on the switch port', values: { status: 'fault', power: null }, units: { power: 'W' }, tsMs: 0, durationMs: 40 };
    const reading = healthReading('cam-7', 'cctv-health', [rtsp, poe], rollUp([rtsp, poe]), Date.UTC(2026, 10, 21, 5, 6, 7), Date.UTC(2026, 10, 21, 5, 7));
    expect(formatCameraHealth(reading)).toBe(
      [
        'cam-7  OFFLINE / ออฟไลน์  since 2026-11-21 05:06:07 UTC',
        '  rtsp      ok        code 401, auth required   RTSP alive, needs credentials (digest)',
        '  poe       DOWN      status fault, power -   PoE fault on the switch port',
        '',
      ].join('\n'),
    );
  });
});
