import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startSocatPair, type SocatPair } from '../../drivers/sim/socat-pair.ts';
import { simulatorPort } from '../../drivers/sim/serial/sim-port.ts';
import { PmsSimulator } from '../../drivers/sim/serial/pms5003-sim.ts';
import { SdsSimulator } from '../../drivers/sim/serial/sds011-sim.ts';
import { Sdi12Simulator } from '../../drivers/sim/serial/sdi12-sim.ts';
import { LineSimulator } from '../../drivers/sim/serial/line-sim.ts';
import { gatewaySide, serialTempDir, type GatewaySide } from '../helpers/serial-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Real bytes over real ptys (socat), the gateway's real serial code on one end and simulated
// sensors on the other. Every wait has its own deadline.
const tmp = serialTempDir();
const pairs: SocatPair[] = [];
const stops: Array<() => Promise<void>> = [];
const abort = new AbortController();

async function pair(name: string): Promise<SocatPair> {
  const p = await startSocatPair(join(tmp.dir, name));
  pairs.push(p);
  return p;
}

afterAll(async () => {
  abort.abort();
  for (const stop of stops.reverse()) await stop().catch(() => undefined);
  for (const p of pairs) await p.stop().catch(() => undefined);
  tmp.cleanup();
});

describe('PMS5003 in active mode over a pty, with an unplug and replug', () => {
  let gw: GatewaySide;
  let link: SocatPair;
  let sim: PmsSimulator;

  beforeAll(async () => {
    link = await pair('pms');
    sim = new PmsSimulator({ port: simulatorPort(link.devicePath), periodMs: 100, pm25: () => 42 });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    gw = gatewaySide(
      {
        buses: [{ type: 'serial', id: 'air', port: link.gatewayPath, reopen: { min: '100ms', max: '400ms' } }],
        devices: [{ id: 'school-pm', driver: 'pms5003', bus: 'air', mode: 'active', interval: '300ms', offlineAfter: '900ms' }],
      },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
  });

  it('emits good readings decoded from the frames', async () => {
    const good = await waitFor('a good PMS reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(good.device).toBe('school-pm');
    expect(good.kind).toBe('air-quality');
    expect(good.values.pm25_ug_m3).toBe(42);
    expect(good.values.pm10_ug_m3).toBe(55);
    expect(good.units.pm25_ug_m3).toBe('ug/m3');
  });

  it('reports the device offline while unplugged and recovers after the replug', async () => {
    const device = gw.setup.devices[0]!;
    await waitFor('device online', () => device.stats().state === 'online', 10_000);
    const before = gw.readings.length;
    const alertsBefore = gw.alerts.length;
    await link.unplug();
    await waitFor('device offline after unplug', () => device.stats().state === 'offline', 10_000);
    const bad = await waitFor('a bad reading while unplugged', () => gw.readings.slice(before).find((r) => r.quality === 'bad'), 10_000);
    expect(bad.reasons?._device).toBeTruthy();
    // Every point the sensor has is null with its reason (the same shape as a Modbus device's bad reading).
    expect(Object.keys(bad.values)).toContain('pm25_ug_m3');
    for (const [point, value] of Object.entries(bad.values)) {
      expect(value).toBeNull();
      expect(bad.reasons?.[point]).toBeTruthy();
    }
    // The same alert a Modbus device raises when it stops answering.
    expect(gw.alerts.slice(alertsBefore).filter((a) => a.id === `device-offline:${device.id}` && a.state === 'raised')).toHaveLength(1);
    await link.plug();
    const mark = gw.readings.length;
    const back = await waitFor('a good reading after replug', () => gw.readings.slice(mark).find((r) => r.quality === 'good'), 15_000);
    await waitFor('device-offline cleared after replug', () => gw.alerts.some((a) => a.id === `device-offline:${device.id}` && a.state === 'cleared'), 10_000);
    expect(back.values.pm25_ug_m3).toBe(42);
    expect(device.stats().state).toBe('online');
    const bus = gw.setup.services.find((svc) => svc.name === 'serial-bus:air') as unknown as { stats(): { opens: number } };
    expect(bus.stats().opens).toBeGreaterThanOrEqual(2);
  });
});

describe('PMS5003 in passive mode', () => {
  it('switches the sensor to passive and reads on request', async () => {
    const link = await pair('pms-passive');
    const sim = new PmsSimulator({ port: simulatorPort(link.devicePath), periodMs: 100, pm25: () => 17 });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      { buses: [{ type: 'serial', id: 'p', port: link.gatewayPath }], devices: [{ id: 'pm-passive', driver: 'pms5003', bus: 'p', mode: 'passive', interval: '300ms', timeout: '1s' }] },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const good = await waitFor('a passive reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(sim.mode).toBe('passive');
    expect(good.values.pm25_ug_m3).toBe(17);
  });
});

describe('SDS011 in query mode with sleep between readings', () => {
  it('wakes, queries and puts the sensor back to sleep', async () => {
    const link = await pair('sds');
    const sim = new SdsSimulator({ port: simulatorPort(link.devicePath), pm: () => ({ pm25_ug_m3: 23.4, pm10_ug_m3: 41.7 }) });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      { buses: [{ type: 'serial', id: 's', port: link.gatewayPath }], devices: [{ id: 'sds', driver: 'sds011', bus: 's', interval: '1500ms', warmup: '100ms', timeout: '300ms' }] },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const good = await waitFor('an SDS reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(good.values).toMatchObject({ pm25_ug_m3: 23.4, pm10_ug_m3: 41.7 });
    await waitFor('the sensor asleep after the reading', () => !sim.awake, 5000);
    expect(sim.log).toContain('mode-query');
    const q = sim.log.indexOf('query');
    expect(sim.log.slice(0, q)).toContain('work');
    expect(sim.log.slice(q)).toContain('sleep');
  });
});

describe('SDI-12 sonde through an echoing adapter', () => {
  it('runs aMC!, waits for the service request, collects the CRC-checked values over aD0! and aD1!', async () => {
    const link = await pair('sdi12');
    const sim = new Sdi12Simulator({ port: simulatorPort(link.devicePath, undefined, 1200), address: '3', waitS: 2, readyAfterMs: 150, values: () => [28.1, 6.2, 7.3, 412, -35.5] });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      {
        buses: [{ type: 'serial', id: 'sdi', port: link.gatewayPath, baud: 1200, dataBits: 7, parity: 'even' }],
        devices: [
          {
            id: 'canal-sonde',
            driver: 'sdi12',
            bus: 'sdi',
            address: '3',
            command: 'MC',
            interval: '500ms',
            timeout: '1s',
            values: [{ name: 'temperature_c', unit: 'degC' }, { name: 'do_mg_l', unit: 'mg/L' }, { name: 'ph', unit: 'pH' }, { name: 'conductivity_us_cm', unit: 'uS/cm' }, { name: 'orp_mv', unit: 'mV' }],
          },
        ],
      },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const good = await waitFor('an SDI-12 reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(good.values).toEqual({ temperature_c: 28.1, do_mg_l: 6.2, ph: 7.3, conductivity_us_cm: 412, orp_mv: -35.5 });
    expect(good.units.do_mg_l).toBe('mg/L');
  });
});

describe('Text-line device described by data', () => {
  it('decodes fields and drops lines that fail the checksum', async () => {
    const link = await pair('line');
    let n = 0;
    const sim = new LineSimulator({
      port: simulatorPort(link.devicePath),
      periodMs: 50,
      // Every other line is corrupted after its checksum was computed.
      line: () => (n++ % 2 === 0 ? '$LVL,1.234,29.5*6C\r\n' : '$LVL,9.234,29.5*6C\r\n'),
    });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      {
        buses: [{ type: 'serial', id: 'l', port: link.gatewayPath }],
        devices: [{ id: 'gauge', driver: 'line', bus: 'l', interval: '400ms', checksum: 'nmea', format: { type: 'fields', count: 3, fields: [{ name: 'level_m', index: 1, unit: 'm' }, { name: 'temperature_c', index: 2, unit: 'degC' }] } }],
      },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const good = await waitFor('a line reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(good.values).toEqual({ level_m: 1.234, temperature_c: 29.5 });
    const parser = gw.setup.devices[0]!.stats().parser as { invalidFrames: number };
    expect(parser.invalidFrames).toBeGreaterThan(0);
  });
});

describe('the demo air-quality sensor through the edge computations', () => {
  it('gives PM2.5 in the demo range and the Thai and US AQI computed at the edge', async () => {
    const { startDemoAirSensor } = await import('../../drivers/sim/serial/demo-air-sensor.ts');
    const { createProcessors } = await import('../../gateway/families/index.ts');
    const { gatewayConfigSchema } = await import('../../gateway/config/schema.ts');
    const { silentLogger } = await import('../../core/log.ts');
    const demo = await startDemoAirSensor({ dir: tmp.dir, periodMs: 100 });
    stops.push(() => demo.stop());
    const raw = {
      buses: [{ type: 'serial', id: 'demo-air', port: demo.gatewayPath }],
      devices: [{ id: 'demo-school', driver: 'pms5003', bus: 'demo-air', interval: '300ms', family: { type: 'air-quality' } }],
    };
    const gw = gatewaySide(raw, tmp.dir);
    await gw.start();
    stops.push(() => gw.stop());
    const chain = createProcessors({ config: gatewayConfigSchema.parse({ gateway: { id: 'gw', dataDir: tmp.dir }, ...raw }), dataDir: tmp.dir, log: silentLogger(), alert: () => undefined });
    const good = await waitFor('a demo reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    const out = chain.reduce((r, p) => p.process(r), good);
    expect(out.values.pm25_ug_m3).toBeGreaterThanOrEqual(12);
    expect(out.values.pm25_ug_m3).toBeLessThanOrEqual(48);
    expect(out.values.aqi_th).toBeTypeOf('number');
    expect(out.values.aqi_us).toBeTypeOf('number');
    expect(['very-good', 'good', 'moderate', 'starts-to-affect-health']).toContain(out.values.aqi_th_level);
    for (const p of chain) await p.stop?.();
  });
});

describe('a port that is missing at start', () => {
  it('keeps retrying with backoff and reads once the adapter appears', async () => {
    const base = join(tmp.dir, 'late');
    const gw = gatewaySide(
      {
        buses: [{ type: 'serial', id: 'late', port: `${base}-gw`, reopen: { min: '100ms', max: '300ms' } }],
        devices: [{ id: 'late-pm', driver: 'pms5003', bus: 'late', interval: '300ms' }],
      },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const bus = gw.setup.services[0] as unknown as { stats(): { openFailures: number; lastError: string | null } };
    await waitFor('repeated open attempts', () => bus.stats().openFailures >= 2, 10_000);
    expect(bus.stats().lastError).toMatch(/does not exist \(is the adapter plugged in/);
    expect(gw.readings.some((r) => r.quality === 'good')).toBe(false);
    const link = await pair('late');
    const sim = new PmsSimulator({ port: simulatorPort(link.devicePath), periodMs: 100, pm25: () => 8 });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const good = await waitFor('a reading once the port exists', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(good.values.pm25_ug_m3).toBe(8);
  });
});

describe('SDI-12 sonde without a service request', () => {
  it('waits the announced seconds, then reads', async () => {
    const link = await pair('sdi12-slow');
    const sim = new Sdi12Simulator({ port: simulatorPort(link.devicePath, undefined, 1200), address: '1', waitS: 1, readyAfterMs: null, echo: false, values: () => [3.71, 29.4] });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      {
        buses: [{ type: 'serial', id: 'sdi-slow', port: link.gatewayPath, baud: 1200 }],
        devices: [{ id: 'gauge-sdi', driver: 'sdi12', bus: 'sdi-slow', address: '1', interval: '300ms', values: [{ name: 'level_m', unit: 'm' }, { name: 'temperature_c', unit: 'degC' }] }],
      },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const good = await waitFor('an SDI-12 reading after the full wait', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    expect(good.values).toEqual({ level_m: 3.71, temperature_c: 29.4 });
  });
});

describe('the demo serial sensors through the edge computations', () => {
  it('yields AQI, water class and flood stage from real frames', async () => {
    const { startDemoSerialSensors } = await import('../../drivers/sim/serial/demo-field-sensors.ts');
    const { createProcessors } = await import('../../gateway/families/index.ts');
    const { gatewayConfigSchema } = await import('../../gateway/config/schema.ts');
    const { silentLogger } = await import('../../core/log.ts');
    const demo = await startDemoSerialSensors({ dir: join(tmp.dir) });
    stops.push(() => demo.stop());
    // The demo's intervals are seconds; the test needs readings sooner.
    const devices = demo.devices.map((d) => ({ ...d, interval: '300ms', timeout: '1500ms' }));
    const raw = { buses: demo.buses, devices };
    const dataDir = join(tmp.dir, 'demo-data');
    const gw = gatewaySide(raw, dataDir);
    await gw.start();
    stops.push(() => gw.stop());
    const chain = createProcessors({ config: gatewayConfigSchema.parse({ gateway: { id: 'gw', dataDir }, ...raw }), dataDir, log: silentLogger(), alert: () => undefined });
    // Each reading goes through the (stateful) chain once, in order, as the gateway would do it.
    const done: typeof gw.readings = [];
    const processed = () => {
      for (const r of gw.readings.slice(done.length)) done.push(chain.reduce((x, p) => p.process(x), r));
      return done;
    };
    const seen = await waitFor('air, water and flood readings', () => {
      const out = processed();
      const air = out.find((r) => typeof r.values.aqi_th === 'number');
      const water = out.find((r) => typeof r.values.water_class === 'number');
      const flood = out.find((r) => typeof r.values.stage === 'string');
      return air && water && flood ? { air, water, flood } : undefined;
    }, 15_000);
    expect(seen.air.device).toBe('school-pm25');
    expect(seen.water.values.water_class).toBeGreaterThanOrEqual(2);
    expect(seen.water.units.do_mg_l).toBe('mg/L');
    expect(seen.air.values.pm25_ug_m3_24h).toBeTypeOf('number');
    expect(seen.flood.values.level_m).toBeGreaterThanOrEqual(3.4);
    expect(['normal', 'watch', 'alert', 'critical']).toContain(seen.flood.values.stage);
    for (const p of chain) await p.stop?.();
  });
});

describe('SDS011 polled, unplugged and replugged', () => {
  it('goes offline while the port is gone and reads again after the replug', async () => {
    const link = await pair('sds-unplug');
    const sim = new SdsSimulator({ port: simulatorPort(link.devicePath), pm: () => ({ pm25_ug_m3: 5.5, pm10_ug_m3: 9.1 }) });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      {
        buses: [{ type: 'serial', id: 'su', port: link.gatewayPath, reopen: { min: '100ms', max: '400ms' } }],
        devices: [{ id: 'sds-u', driver: 'sds011', bus: 'su', interval: '300ms', timeout: '300ms', sleepBetween: false, offlineAfter: '600ms' }],
      },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const device = gw.setup.devices[0]!;
    await waitFor('a first SDS reading', () => gw.readings.find((r) => r.quality === 'good'), 10_000);
    const before = gw.readings.length;
    await link.unplug();
    await waitFor('SDS offline after unplug', () => device.stats().state === 'offline', 10_000);
    const bad = await waitFor('a bad SDS reading while unplugged', () => gw.readings.slice(before).find((r) => r.quality === 'bad'), 10_000);
    expect(bad.reasons?._device).toMatch(/not open|port closed|TransportClosed/);
    await link.plug();
    const mark = gw.readings.length;
    const back = await waitFor('an SDS reading after replug', () => gw.readings.slice(mark).find((r) => r.quality === 'good'), 15_000);
    expect(back.values).toEqual({ pm25_ug_m3: 5.5, pm10_ug_m3: 9.1 });
    expect(device.stats().state).toBe('online');
  });
});

describe('SDS011 in active mode', () => {
  it('averages the streamed frames of an interval', async () => {
    const link = await pair('sds-active');
    let n = 0;
    // Alternating 10.0 and 20.0 ug/m3: every reading is the mean of whole frames, so 10 to 20.
    const sim = new SdsSimulator({ port: simulatorPort(link.devicePath), pm: () => (n++ % 2 === 0 ? { pm25_ug_m3: 10, pm10_ug_m3: 15 } : { pm25_ug_m3: 20, pm10_ug_m3: 25 }) });
    await sim.start(abort.signal);
    stops.push(() => sim.stop());
    const gw = gatewaySide(
      { buses: [{ type: 'serial', id: 'sa', port: link.gatewayPath }], devices: [{ id: 'sds-a', driver: 'sds011', bus: 'sa', mode: 'active', interval: '2500ms' }] },
      tmp.dir,
    );
    await gw.start();
    stops.push(() => gw.stop());
    const good = await waitFor('an active-mode SDS reading', () => gw.readings.find((r) => r.quality === 'good'), 15_000);
    expect(good.values.pm25_ug_m3).toBeGreaterThanOrEqual(10);
    expect(good.values.pm25_ug_m3).toBeLessThanOrEqual(20);
    expect(Number(good.values.pm10_ug_m3) - Number(good.values.pm25_ug_m3)).toBeCloseTo(5, 6);
    expect(sim.log).toContain('work');
  });
});
