import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/sim/socat-pair.ts';
import type { BusScheduler } from '../../drivers/modbus/scheduler.ts';
import { startPymodbus, type PymodbusPeer } from '../helpers/modbus-peer.ts';
import { modbusHarness, type ModbusHarness } from '../helpers/modbus-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { encodingTables, expectedEncodingValues } from '../helpers/modbus-encodings.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

// pymodbus (an independent implementation) as RTU slaves 1 and 2 on one end of a socat pty pair;
// the gateway on the other end. Unit 9 is configured but absent: a dead device on the bus.
describe('Modbus RTU against pymodbus over a serial line', () => {
  let pty: PtyPair;
  let peer: PymodbusPeer;
  let h: ModbusHarness;

  beforeAll(async () => {
    pty = await openPtyPair();
    peer = await startPymodbus({ mode: 'rtu', port: pty.b }, { 1: encodingTables, 2: { hr: { 0: 1111, 1: 2222 } }, 3: { hr: { 1: 1200, 3: 4800, 5: 600 } } });
    h = modbusHarness(
      {
        buses: [{ id: 'rs485', type: 'modbus-rtu', port: pty.a, baud: 9600, timeout: '600ms', maxBackoff: '2s' }],
        devices: [
          { id: 'enc', driver: 'modbus', bus: 'rs485', unit: 1, profile: './modbus-encodings.yaml', interval: '200ms' },
          { id: 'second', driver: 'modbus', bus: 'rs485', unit: 2, profile: './modbus-two-registers.yaml', interval: '200ms', retries: 0 },
          { id: 'dead', driver: 'modbus', bus: 'rs485', unit: 9, profile: 'co2-senseair-s8', interval: '200ms', timeout: '100ms' },
          { id: 'gappy', driver: 'modbus', bus: 'rs485', unit: 3, profile: 'radar-level-ld8001h', interval: '1h' },
          { id: 'unmapped', driver: 'modbus', bus: 'rs485', unit: 2, profile: 'co2-senseair-s8', interval: '1h' },
        ],
      },
      fixtures,
    );
  });

  afterAll(async () => {
    await h?.stop();
    await peer?.stop();
    await pty?.stop();
  });

  it('decodes every type and byte/word order pymodbus holds', async () => {
    const reading = await h.devices.get('enc')!.readOnce();
    expect(reading.values).toEqual(expectedEncodingValues);
    expect(reading.reasons).toEqual({ no_value: 'no value (device sent 0xFFFF)' });
    expect(reading.quality).toBe('bad');
    expect(reading.units.ph_x10).toBe('pH');
  });

  it('reports a dead unit as null values with reason timeout, never a number', async () => {
    const reading = await h.devices.get('dead')!.readOnce();
    expect(reading.quality).toBe('bad');
    expect(reading.values).toEqual({ meter_status: null, co2_ppm: null });
    expect(reading.reasons).toEqual({ meter_status: 'timeout', co2_ppm: 'timeout' });
  });

  it('carries an exception reply as the reason of the points it hit', async () => {
    // unit 2 has no input registers: pymodbus answers exception 2
    const reading = await h.devices.get('unmapped')!.readOnce();
    expect(reading.values.co2_ppm).toBeNull();
    expect(reading.reasons?.co2_ppm).toBe('exception 2 (illegal data address)');
  });

  it('falls back to separate reads when a device refuses a read across unmapped registers', async () => {
    // The radar profile allows a gap of 1, so it reads 1..5 at once; unit 3 maps only 1, 3 and 5.
    const gappy = h.devices.get('gappy')!;
    const first = await gappy.readOnce();
    expect(first.values).toEqual({ air_gap_m: 1.2, level_m: 4.8, install_height_m: 6 });
    expect(first.quality).toBe('good');
    const second = await gappy.readOnce();
    expect(second.values).toEqual(first.values);
  });

  it('writes with FC05, FC15, FC06 and FC16 and reads each back', async () => {
    const enc = h.devices.get('enc')!;
    expect(await enc.write!({ point: 'relay', value: true })).toMatchObject({ value: true, verified: true });
    expect(await enc.write!({ point: 'valve', value: true })).toMatchObject({ value: true, verified: true });
    expect(await enc.write!({ point: 'setpoint', value: 2.75 })).toMatchObject({ value: 2.75, verified: true });
    expect(await enc.write!({ point: 'target_f32', value: 123456 })).toMatchObject({ value: 123456, verified: true });
    const reading = await enc.readOnce();
    expect(reading.values).toMatchObject({ relay: true, valve: true, setpoint: 2.75, target_f32: 123456 });
    await expect(enc.write!({ point: 'door_open', value: true })).rejects.toThrow(/not writable/);
  });

  it('does not take a late reply after a timeout as the answer to the next request', async () => {
    const scheduler = h.services[0] as BusScheduler;
    const strayBefore = scheduler.stats().strayFrames;
    // unit 2 answers after 800 ms (its timeout is 600 ms, no retries); unit 1 answers after 350 ms,
    // so unit 2's late reply arrives while the gateway waits for unit 1 (margins of 150 ms or more).
    await peer.delay(2, 0.8);
    await peer.delay(1, 0.35);
    try {
      const second = h.devices.get('second')!.readOnce();
      const enc = h.devices.get('enc')!.readOnce();
      const [r2, r1] = await Promise.all([second, enc]);
      expect(r2.reasons?.a).toBe('timeout');
      expect(r1.values.f32_abcd).toBe(123456);
      expect(r1.values.co2_ppm).toBe(415);
    } finally {
      await peer.delay(2, 0);
      await peer.delay(1, 0);
    }
    expect(scheduler.stats().strayFrames).toBeGreaterThan(strayBefore);
  });

  it('keeps polling live devices while a dead one is probed with backoff, raising an alert only for the dead one', async () => {
    await h.start();
    await waitFor('10 readings from the live device', () => h.readings.filter((r) => r.device === 'enc').length >= 10, 10_000, 10);
    const dead = h.devices.get('dead')!.stats();
    const live = h.devices.get('enc')!.stats();
    expect(dead.state).toBe('offline');
    expect(live.state).toBe('online');
    // At a 200 ms interval the dead device would have had as many polls; backoff keeps it to a few probes.
    expect(dead.polls).toBeLessThan(live.polls / 2);
    expect(h.alerts.filter((a) => a.state === 'raised').map((a) => a.device)).toEqual(['dead']);
    expect(h.alerts[0]!.message.th).toContain('ไม่ตอบสนอง');
  });
});
