import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../drivers/sim/socat-pair.ts';
import { serveSerial, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { StaticModel } from '../../drivers/sim/models.ts';
import { wellBehaved, type SimSlave } from '../../drivers/sim/slave.ts';
import type { BusScheduler } from '../../drivers/modbus/scheduler.ts';
import { modbusHarness, type ModbusHarness } from '../helpers/modbus-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

// Four devices on one line misbehave at random for a few seconds (dead, slow, CRC errors, noise,
// exceptions). Afterwards every device must be read correctly again: the bus loop never died,
// never reported a number it did not read, and recovered by itself.
describe('RTU bus under random misbehaviour', () => {
  let pty: PtyPair;
  let sim: SimEndpoint;
  let h: ModbusHarness;
  const models = [
    new StaticModel(1, 'co2-senseair-s8', { co2_ppm: 640 }),
    new StaticModel(2, 'radar-level-ld8001h', { level_m: 1.234, air_gap_m: 4.766, install_height_m: 6 }),
    new StaticModel(3, 'analog-input-4-20ma', { loop_current_ma: 12 }),
    new StaticModel(4, 'ph-probe-yosemitech', { ph: 7.1, temperature_c: 28.4 }),
  ];
  const expected: Record<string, Record<string, number>> = {
    co2: { co2_ppm: 640 },
    radar: { level_m: 1.234 },
    loop: { level_m: 2.5 },
    ph: { ph: 7.1, temperature_c: 28.4 },
  };

  beforeAll(async () => {
    pty = await openPtyPair();
    sim = await serveSerial(new Map<number, SimSlave>(models.map((m) => [m.device.slave.unit, m.device.slave])), { path: pty.b, baud: 19200, dataBits: 8, parity: 'none', stopBits: 1 });
    h = modbusHarness(
      {
        buses: [{ id: 'rs485', type: 'modbus-rtu', port: pty.a, baud: 19200, timeout: '80ms', minBackoff: '100ms', maxBackoff: '300ms' }],
        devices: ['co2', 'radar', 'loop', 'ph'].map((id, i) => ({ id, driver: 'modbus', bus: 'rs485', unit: i + 1, profile: models[i]!.device.profile.model, interval: '20ms' })),
      },
      fixtures,
    );
  });

  afterAll(async () => {
    await h?.stop();
    await sim?.stop();
    await pty?.stop();
  });

  it('keeps going, never invents a value, and reads everything right once the line is healthy', async () => {
    await h.start();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const until = Date.now() + 3000;
    while (Date.now() < until) {
      const slave = models[Math.floor(random() * models.length)]!.device.slave;
      const pick = random();
      Object.assign(slave.misbehave, wellBehaved());
      if (pick < 0.2) slave.misbehave.mute = true;
      else if (pick < 0.35) slave.misbehave.delayMs = 120; // later than the 80 ms timeout
      else if (pick < 0.5) slave.misbehave.crcError = true;
      else if (pick < 0.65) slave.misbehave.garbageBytes = 1 + Math.floor(random() * 9);
      else if (pick < 0.75) slave.misbehave.exception = 4;
      await new Promise((resolve) => setTimeout(resolve, 50 + random() * 100));
    }
    for (const m of models) Object.assign(m.device.slave.misbehave, wellBehaved());
    const healed = h.readings.length;
    await waitFor('a good reading from every device after the chaos', () => ['co2', 'radar', 'loop', 'ph'].every((id) => h.readings.slice(healed).some((r) => r.device === id && r.quality === 'good')), 15_000, 10);

    const stats = (h.services[0] as BusScheduler).stats();
    expect(stats.loopErrors).toBe(0);
    expect(stats.timeouts).toBeGreaterThan(0);
    // Every value ever reported is either null (with a reason) or the device's true value.
    for (const r of h.readings) {
      for (const [point, want] of Object.entries(expected[r.device]!)) {
        const got = r.values[point];
        if (got === null) expect(r.reasons?.[point] ?? r.reasons?._device).toBeTruthy();
        else expect(got).toBe(want);
      }
    }
  });
});
