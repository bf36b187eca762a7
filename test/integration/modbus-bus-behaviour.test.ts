import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/sim/socat-pair.ts';
import { serveSerial, serveTcp, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { StaticModel } from '../../drivers/sim/models.ts';
import type { SimSlave } from '../../drivers/sim/slave.ts';
import type { BusScheduler } from '../../drivers/modbus/scheduler.ts';
import { RtuChannel } from '../../drivers/modbus/rtu-channel.ts';
import { createLink } from '../../drivers/transport/index.ts';
import { silentLogger } from '../../core/log.ts';
import { modbusHarness, type ModbusHarness } from '../helpers/modbus-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

function slaves(...models: StaticModel[]): Map<number, SimSlave> {
  return new Map(models.map((m) => [m.device.slave.unit, m.device.slave]));
}

// The gateway's simulators misbehave on demand over a real pty pair: CRC errors, line noise,
// slow devices, exceptions. The bus must keep serving everyone and say what went wrong.
describe('RTU bus under misbehaving devices', () => {
  let pty: PtyPair;
  let sim: SimEndpoint;
  let h: ModbusHarness;
  const fast = new StaticModel(1, 'co2-senseair-s8', { co2_ppm: 612 });
  const slow = new StaticModel(2, 'air-quality-rs485-transmitter', { pm25_ug_m3: 41, temperature_c: 31.5 });
  const noisy = new StaticModel(3, 'radar-level-ld8001h', { level_m: 2.345, air_gap_m: 3.655, install_height_m: 6 });

  beforeAll(async () => {
    pty = await openPtyPair();
    sim = await serveSerial(slaves(fast, slow, noisy), { path: pty.b, baud: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    h = modbusHarness(
      {
        buses: [{ id: 'rs485', type: 'modbus-rtu', port: pty.a, baud: 9600, timeout: '500ms' }],
        devices: [
          { id: 'co2', driver: 'modbus', bus: 'rs485', unit: 1, profile: 'co2-senseair-s8', interval: '0s' },
          { id: 'air', driver: 'modbus', bus: 'rs485', unit: 2, profile: 'air-quality-rs485-transmitter', interval: '0s' },
          { id: 'radar', driver: 'modbus', bus: 'rs485', unit: 3, profile: 'radar-level-ld8001h', interval: '1h', retries: 0 },
        ],
      },
      fixtures,
    );
  });

  afterAll(async () => {
    await h?.stop();
    await sim?.stop();
    await pty?.stop();
  });

  it('reports a reply with a bad CRC as reason "crc error" and recovers when the line is clean', async () => {
    noisy.device.slave.misbehave.crcError = true;
    const bad = await h.devices.get('radar')!.readOnce();
    expect(bad.values.level_m).toBeNull();
    expect(bad.reasons?.level_m).toBe('crc error');
    noisy.device.slave.misbehave.crcError = false;
    const good = await h.devices.get('radar')!.readOnce();
    expect(good.values).toEqual({ air_gap_m: 3.655, level_m: 2.345, install_height_m: 6 });
  });

  it('finds the reply behind garbage bytes on the line', async () => {
    const scheduler = h.services[0] as BusScheduler;
    const noiseBefore = scheduler.stats().noiseBytes;
    try {
      // Noise that looks like the start of a 245-byte reply from this very unit must not hide the real one.
      noisy.device.slave.misbehave.garbagePrefix = [0x03, 0x03, 0xf0, 0x11];
      expect((await h.devices.get('radar')!.readOnce()).values.level_m).toBe(2.345);
      noisy.device.slave.misbehave.garbagePrefix = null;
      noisy.device.slave.misbehave.garbageBytes = 7;
      for (let i = 0; i < 10; i++) expect((await h.devices.get('radar')!.readOnce()).values.level_m).toBe(2.345);
    } finally {
      noisy.device.slave.misbehave.garbagePrefix = null;
      noisy.device.slave.misbehave.garbageBytes = 0;
    }
    expect(scheduler.stats().noiseBytes).toBeGreaterThanOrEqual(noiseBefore + 4 + 70);
  });

  it('passes a device exception (6 busy) through as the reason', async () => {
    fast.device.slave.misbehave.exception = 6;
    try {
      const reading = await h.devices.get('co2')!.readOnce();
      expect(reading.reasons?.co2_ppm).toBe('exception 6 (server device busy)');
    } finally {
      fast.device.slave.misbehave.exception = null;
    }
  });

  it('serves a fast device as often as a slow one: the slow one cannot starve it', async () => {
    slow.device.slave.misbehave.delayMs = 120;
    await h.start();
    await waitFor('6 readings from the slow device', () => h.readings.filter((r) => r.device === 'air').length >= 6, 10_000, 10);
    const co2 = h.readings.filter((r) => r.device === 'co2');
    const air = h.readings.filter((r) => r.device === 'air');
    // Both are always due (interval 0): the scheduler alternates, so counts differ by at most one.
    expect(Math.abs(co2.length - air.length)).toBeLessThanOrEqual(1);
    expect(co2.at(-1)!.values.co2_ppm).toBe(612);
    expect(air.at(-1)!.values).toMatchObject({ pm25_ug_m3: 41, temperature_c: 31.5 });
  });

  it('lets a write jump the queue of due polls', async () => {
    const write = h.devices.get('radar')!.write!({ point: 'install_height_m', value: 7.5 });
    const result = await write;
    expect(result).toMatchObject({ value: 7.5, verified: true });
    expect(noisy.device.get('install_height_m')).toBe(7.5);
  });
});

// A serial device server that is unreachable, then comes up: the bus never dies.
describe('RTU over TCP when the device server comes and goes', () => {
  let sim: SimEndpoint | undefined;
  let h: ModbusHarness;
  let port = 0;
  const radar = new StaticModel(5, 'radar-level-ld8001h', { level_m: 1.5, air_gap_m: 4.5, install_height_m: 6 });

  beforeAll(async () => {
    // Reserve a free port, then close it so the first connects are refused.
    const probe = await serveTcp(new Map(), { framing: 'rtu' });
    port = probe.port;
    await probe.stop();
    h = modbusHarness({ buses: [{ id: 'ds', type: 'modbus-rtu-over-tcp', host: '127.0.0.1', port, timeout: '300ms' }], devices: [{ id: 'radar', driver: 'modbus', bus: 'ds', unit: 5, profile: 'radar-level-ld8001h', interval: '100ms' }] }, fixtures);
  });

  afterAll(async () => {
    await h?.stop();
    await sim?.stop();
  });

  it('emits bad readings naming the port problem, then good ones once the server answers', async () => {
    await h.start();
    await waitFor('a reading that names the port problem', () => h.readings.some((r) => r.reasons?._device?.startsWith('port unavailable')), 10_000, 10);
    const scheduler = h.services[0] as BusScheduler;
    expect(scheduler.stats().state).toBe('down');
    expect(scheduler.stats().lastPortError).toMatch(/cannot connect to 127\.0\.0\.1/);
    sim = await serveTcp(new Map([[5, radar.device.slave]]), { framing: 'rtu', port });
    await waitFor('a good reading after the server came up', () => h.readings.some((r) => r.quality === 'good'), 15_000, 10);
    expect(h.readings.findLast((r) => r.quality === 'good')!.values.level_m).toBe(1.5);
    expect(scheduler.stats().state).toBe('up');
  });
});

// A device that stops answering and comes back: offline, probed with growing waits, online again.
describe('a device that goes silent and comes back', () => {
  let sim: SimEndpoint;
  let h: ModbusHarness;
  const co2 = new StaticModel(8, 'co2-senseair-s8', { co2_ppm: 700 });

  beforeAll(async () => {
    sim = await serveTcp(new Map([[8, co2.device.slave]]), { framing: 'tcp' });
    h = modbusHarness({ buses: [{ id: 'plc', type: 'modbus-tcp', host: '127.0.0.1', port: sim.port, timeout: '100ms', minBackoff: '100ms', maxBackoff: '400ms' }], devices: [{ id: 'co2', driver: 'modbus', bus: 'plc', unit: 8, profile: 'co2-senseair-s8', interval: '50ms', retries: 1 }] }, fixtures);
  });

  afterAll(async () => {
    await h?.stop();
    await sim?.stop();
  });

  it('raises device-offline, probes with backoff instead of polling, then clears the alert when it answers', async () => {
    await h.start();
    await waitFor('3 good readings', () => h.readings.filter((r) => r.quality === 'good').length >= 3, 10_000, 10);
    co2.device.slave.misbehave.mute = true;
    await waitFor('the device-offline alert', () => h.alerts.some((a) => a.state === 'raised'), 10_000, 10);
    const heard = () => co2.device.slave.requestsHeard;
    const before = heard();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // polled every 50 ms it would have been asked ~7 times in 1 s (100 ms timeout each); probed, at most 4 times
    expect(heard() - before).toBeGreaterThanOrEqual(1);
    expect(heard() - before).toBeLessThanOrEqual(4);
    expect(h.devices.get('co2')!.stats()).toMatchObject({ state: 'offline', lastError: 'timeout' });
    co2.device.slave.misbehave.mute = false;
    await waitFor('the device-offline alert cleared', () => h.alerts.some((a) => a.state === 'cleared'), 5000, 10);
    expect(h.alerts.map((a) => [a.id, a.state])).toEqual([['device-offline:co2', 'raised'], ['device-offline:co2', 'cleared']]);
    expect(h.alerts[1]!.message.en).toBe('Device co2 answers again');
    await waitFor('good readings again', () => h.readings.at(-1)?.quality === 'good', 10_000, 10);
    expect(h.readings.at(-1)!.values.co2_ppm).toBe(700);
  });
});

// A probe that measures only when woken (read 0x2500, values 1 s later): the bus is not held
// during the wait, so the other device on the line keeps being polled.
describe('a device that must be woken before each measurement', () => {
  let sim: SimEndpoint;
  let h: ModbusHarness;
  const ph = new StaticModel(5, 'ph-probe-yosemitech', { ph: 6.8, temperature_c: 27.9 });
  const co2 = new StaticModel(6, 'co2-senseair-s8', { co2_ppm: 455 });

  beforeAll(async () => {
    sim = await serveTcp(new Map([[5, ph.device.slave], [6, co2.device.slave]]), { framing: 'rtu' });
    h = modbusHarness({ buses: [{ id: 'ds', type: 'modbus-rtu-over-tcp', host: '127.0.0.1', port: sim.port, timeout: '300ms' }], devices: [{ id: 'ph', driver: 'modbus', bus: 'ds', unit: 5, profile: 'ph-probe-yosemitech', interval: '0s' }, { id: 'co2', driver: 'modbus', bus: 'ds', unit: 6, profile: 'co2-senseair-s8', interval: '0s' }] }, fixtures);
  });

  afterAll(async () => {
    await h?.stop();
    await sim?.stop();
  });

  it('reads it once on demand after the wait', async () => {
    const reading = await h.devices.get('ph')!.readOnce();
    expect(reading.values).toEqual({ ph: 6.8, temperature_c: 27.9 });
  });

  it('polls the other device while the woken one measures', async () => {
    await h.start();
    await waitFor('two pH readings', () => h.readings.filter((r) => r.device === 'ph').length >= 2, 10_000, 10);
    const phReadings = h.readings.filter((r) => r.device === 'ph');
    expect(phReadings.every((r) => r.quality === 'good' && r.values.ph === 6.8)).toBe(true);
    const first = h.readings.indexOf(phReadings[0]!);
    const second = h.readings.indexOf(phReadings[1]!);
    // a 1 s wait between wake-up and read: the CO2 sensor got many polls in between
    expect(h.readings.slice(first + 1, second).filter((r) => r.device === 'co2').length).toBeGreaterThanOrEqual(5);
  });
});

// At 9600 baud a 120-register reply takes ~280 ms on the wire. A device that starts answering
// within its 100 ms timeout must not be cut off while its reply is still arriving.
describe('long replies on a slow line', () => {
  it('counts the reply time on the wire on top of the device timeout', async () => {
    const pty = await openPtyPair();
    const slave = new StaticModel(1, 'co2-senseair-s8').device.slave;
    slave.setRegisters('holding', 0, Array.from({ length: 120 }, (_, i) => i * 3));
    const timing = { baud: 9600, bitsPerChar: 11, turnaroundMs: 10 };
    const sim = await serveSerial(new Map([[1, slave]]), { path: pty.b, baud: 9600, dataBits: 8, parity: 'even', stopBits: 1, timing });
    const channel = new RtuChannel({ link: createLink({ kind: 'serial', path: pty.a, baud: 9600, dataBits: 8, parity: 'even', stopBits: 1 }), log: silentLogger() });
    try {
      await channel.open();
      const reply = await channel.transact(1, { fc: 3, address: 0, count: 120 }, 100);
      expect(reply.registers).toEqual(Array.from({ length: 120 }, (_, i) => i * 3));
      // and a device that is really too slow still times out
      slave.misbehave.delayMs = 200;
      await expect(channel.transact(1, { fc: 3, address: 0, count: 120 }, 100)).rejects.toThrow(/did not answer/);
    } finally {
      await channel.close();
      await sim.stop();
      await pty.stop();
    }
  });
});
