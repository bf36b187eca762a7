import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulatedBus, type SimulatedBus } from '../../drivers/sim/field-bus.ts';
import type { RadarModel } from '../../drivers/sim/models.ts';
import { scanCommand } from '../../gateway/commands/scan.ts';
import { runCli } from '../helpers/modbus-cli.ts';
import { modbusHarness, type ModbusHarness } from '../helpers/modbus-harness.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));

// Every shipped profile, simulated on one serial line: the gateway reads each one back with
// quality good and the values a site would show (the profiles' plausible ranges hold).
describe('every shipped profile on one simulated RS-485 bus', () => {
  let bus: SimulatedBus;
  let h: ModbusHarness;

  beforeAll(async () => {
    bus = await startSimulatedBus({ serial: true });
    h = modbusHarness({ buses: [{ id: 'rs485', type: 'modbus-rtu', port: bus.port!, baud: 9600, timeout: '300ms' }], devices: bus.devices.map((d) => ({ id: d.id, driver: 'modbus', bus: 'rs485', unit: d.unit, profile: d.profile })) }, fixtures);
  });

  afterAll(async () => {
    await h?.stop();
    await bus?.stop();
  });

  it('scan lists all ten units', async () => {
    const { out } = await runCli(scanCommand, ['--port', bus.port!, '--units', '1-12', '--timeout', '250ms', '--json']);
    expect((JSON.parse(out) as { found: { unit: number }[] }).found.map((f) => f.unit)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reads every device with quality good and its kind', async () => {
    const readings = [];
    for (const d of bus.devices) readings.push(await h.devices.get(d.id)!.readOnce());
    for (const r of readings) expect({ device: r.device, quality: r.quality, reasons: r.reasons }).toEqual({ device: r.device, quality: 'good', reasons: undefined });
    const byId = new Map(readings.map((r) => [r.device, r]));
    expect(byId.get('canal-pressure')!.values.depth_m).toBeCloseTo(1.2, 2);
    expect(byId.get('canal-4-20')!.values).toEqual({ loop_current_ma: 7.84, level_m: 1.2 });
    expect(byId.get('school-air')!.values).toMatchObject({ pm25_ug_m3: 31, co_ppm: 0.6, temperature_c: 32.5 });
    expect(byId.get('camera-cabinet')!.values).toMatchObject({ camera_power: true, tamper: false, cabinet_door_open: false });
    expect(byId.get('canal-ph')!.kind).toBe('water-quality');
  });

  it('shows a cut 4-20 mA loop and a lost radar echo as null with the reason', async () => {
    bus.models.get(3)!.device.set('loop_current_ma', 0.5);
    (bus.models.get(1) as RadarModel).loseEcho();
    const loop = await h.devices.get('canal-4-20')!.readOnce();
    expect(loop.values).toEqual({ loop_current_ma: null, level_m: null });
    expect(loop.reasons?.level_m).toBe('broken loop (current below 3.8 mA)');
    const radar = await h.devices.get('canal-radar')!.readOnce();
    expect(radar.values.level_m).toBeNull();
    expect(radar.reasons?.level_m).toBe('no value (device sent 0xFFFF)');
  });
});
