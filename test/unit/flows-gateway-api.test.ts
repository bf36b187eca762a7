import { describe, expect, it } from 'vitest';
import type { FieldDevice, WriteRequest } from '../../drivers/types.ts';
import type { AlertInput } from '../../core/alert.ts';
import { isGatewayError } from '../../core/errors.ts';
import { createFlowsGatewayApi } from '../../gateway/flows-host/gateway-api.ts';
import { silentLogger } from '../../core/log.ts';
import { GatewayEvents } from '../../gateway/events.ts';
import type { Reading } from '../../core/reading.ts';

// The adapter between the gateway's parts and the flows. Readings come from the real event bus;
// the outbox side is a recorder of the two Outbox methods the adapter uses (the real outbox has its
// own contract suite).
function parts() {
  const events = new GatewayEvents();
  const alerts: AlertInput[] = [];
  const writes: Array<[string, WriteRequest, AbortSignal | undefined]> = [];
  const relay: FieldDevice = {
    id: 'siren-box',
    kind: 'digital-io',
    readOnce: () => Promise.reject(new Error('not used')),
    write: (request, signal) => {
      writes.push(['siren-box', request, signal]);
      return Promise.resolve({ device: 'siren-box', point: request.point, value: request.value, verified: true, durationMs: 3 });
    },
    stats: () => ({ device: 'siren-box', state: 'online', polls: 5, ok: 5, errors: {}, lastOkTsMs: 1, lastError: null }),
  };
  const sensor: FieldDevice = {
    id: 'canal',
    kind: 'flood-level',
    readOnce: () => Promise.reject(new Error('not used')),
    stats: () => ({ device: 'canal', state: 'offline', polls: 5, ok: 0, errors: { timeout: 5 }, lastOkTsMs: null, lastError: 'timeout' }),
  };
  const api = createFlowsGatewayApi({
    gatewayId: 'gw',
    events,
    outbox: {
      appendAlert: (alert) => {
        alerts.push(alert);
        return { id: alert.id, ts: '', state: alert.state, severity: alert.severity, rule: alert.rule, device: alert.device, message: alert.message, values: {} };
      },
      depth: () => 17,
    },
    devices: new Map([
      ['siren-box', relay],
      ['canal', sensor],
    ]),
    uplinkStatus: () => ({ state: 'disconnected', sinceMs: 5 }),
    log: silentLogger(),
  });
  const commit = (readings: Reading[]) => events.emit('readings', readings);
  return { api, alerts, writes, commit, events };
}

const reading = (seq: number): Reading => ({ device: 'canal', kind: 'flood-level', tsMs: seq, seq, values: { level_m: 3 }, units: {}, quality: 'good' });

describe('flows gateway api', () => {
  it('delivers committed readings in order, keeps a failing listener away from the others, and unsubscribes', () => {
    const { api, commit, events } = parts();
    const seen: number[] = [];
    const offBroken = api.onReading(() => {
      throw new Error('broken flow');
    });
    const off = api.onReading((r) => seen.push(r.seq));
    commit([reading(1), reading(2)]);
    commit([reading(3)]);
    expect(seen).toEqual([1, 2, 3]);
    off();
    offBroken();
    expect(events.listenerCount('readings')).toBe(0);
  });

  it('sends alerts to the outbox alert lane', () => {
    const { api, alerts } = parts();
    const alert: AlertInput = { id: 'flood-stage:canal', state: 'raised', severity: 'critical', rule: 'flood-stage', device: 'canal', message: { th: 'ก', en: 'a' } };
    api.raiseAlert(alert);
    expect(alerts).toEqual([alert]);
  });

  it('writes through the device and refuses unknown or read-only devices', async () => {
    const { api, writes } = parts();
    const signal = new AbortController().signal;
    await expect(api.write('siren-box', { point: 'siren', value: true }, signal)).resolves.toMatchObject({ value: true, verified: true });
    expect(writes).toEqual([['siren-box', { point: 'siren', value: true }, signal]]);
    await expect(api.write('nope', { point: 'siren', value: true })).rejects.toSatisfy((e: unknown) => isGatewayError(e) && /no device "nope"/.test(e.message));
    await expect(api.write('canal', { point: 'level_m', value: 1 })).rejects.toThrow(/does not accept writes/);
  });

  it('reports status and devices', () => {
    const { api } = parts();
    expect(api.status()).toMatchObject({ gatewayId: 'gw', uplink: { state: 'disconnected' }, outbox: { depth: 17 }, devices: [{ device: 'siren-box' }, { device: 'canal', state: 'offline' }] });
    expect(api.devices()).toEqual([
      { id: 'siren-box', kind: 'digital-io', writable: true },
      { id: 'canal', kind: 'flood-level', writable: false },
    ]);
  });
});
