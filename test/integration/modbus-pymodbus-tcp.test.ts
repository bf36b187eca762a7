import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusScheduler } from '../../drivers/modbus/scheduler.ts';
import { startPymodbus, type PymodbusPeer } from '../helpers/modbus-peer.ts';
import { modbusHarness, type ModbusHarness } from '../helpers/modbus-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { encodingTables, expectedEncodingValues } from '../helpers/modbus-encodings.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

// pymodbus as a Modbus TCP server on a free loopback port, with two units behind it.
describe('Modbus TCP against pymodbus', () => {
  let peer: PymodbusPeer;
  let h: ModbusHarness;

  beforeAll(async () => {
    peer = await startPymodbus({ mode: 'tcp' }, { 1: encodingTables, 2: { hr: { 0: 1111, 1: 2222 } } });
    h = modbusHarness(
      {
        buses: [{ id: 'plc', type: 'modbus-tcp', host: '127.0.0.1', port: peer.port, timeout: '500ms', maxBackoff: '2s' }],
        devices: [
          { id: 'enc', driver: 'modbus', bus: 'plc', unit: 1, profile: './modbus-encodings.yaml', interval: '100ms' },
          { id: 'second', driver: 'modbus', bus: 'plc', unit: 2, profile: './modbus-two-registers.yaml', interval: '100ms', retries: 0 },
          { id: 'absent', driver: 'modbus', bus: 'plc', unit: 7, profile: './modbus-two-registers.yaml', interval: '100ms', timeout: '100ms' },
        ],
      },
      fixtures,
    );
  });

  afterAll(async () => {
    await h?.stop();
    await peer?.stop();
  });

  it('decodes every type and byte/word order', async () => {
    const reading = await h.devices.get('enc')!.readOnce();
    expect(reading.values).toEqual(expectedEncodingValues);
  });

  it('writes with FC05, FC15, FC06 and FC16 and reads each back', async () => {
    const enc = h.devices.get('enc')!;
    expect(await enc.write!({ point: 'relay', value: true })).toMatchObject({ verified: true });
    expect(await enc.write!({ point: 'valve', value: true })).toMatchObject({ verified: true });
    expect(await enc.write!({ point: 'setpoint', value: 0.42 })).toMatchObject({ value: 0.42, verified: true });
    expect(await enc.write!({ point: 'target_f32', value: -7.25 })).toMatchObject({ value: -7.25, verified: true });
    expect((await enc.readOnce()).values).toMatchObject({ relay: true, valve: true, setpoint: 0.42, target_f32: -7.25 });
  });

  it('drops a late reply (old transaction id) instead of taking it as the next answer', async () => {
    const scheduler = h.services[0] as BusScheduler;
    const strayBefore = scheduler.stats().strayFrames;
    // First reply due at 700 ms (timeout 500 ms); the second request's reply is held 350 ms, so the
    // first one's late reply arrives while the second request is in flight.
    await peer.delay(2, 0.7);
    try {
      const first = await h.devices.get('second')!.readOnce();
      expect(first.reasons).toEqual({ a: 'timeout', b: 'timeout' });
      await peer.set(2, 'hr', 0, [3333, 4444]);
      await peer.delay(2, 0.35);
      const second = await h.devices.get('second')!.readOnce();
      expect(second.values).toEqual({ a: 3333, b: 4444 });
    } finally {
      await peer.delay(2, 0);
    }
    expect(scheduler.stats().strayFrames).toBeGreaterThan(strayBefore);
  });

  it('polls at device intervals and backs off an absent unit', async () => {
    await h.start();
    await waitFor('8 good readings from unit 2', () => h.readings.filter((r) => r.device === 'second' && r.quality === 'good').length >= 8, 10_000, 10);
    expect(h.devices.get('absent')!.stats().state).toBe('offline');
    expect(h.devices.get('absent')!.stats().polls).toBeLessThan(h.devices.get('second')!.stats().polls / 2);
  });
});
