import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { modbusHarness } from '../helpers/modbus-harness.ts';
import type { ModbusDevice } from '../../drivers/modbus/device.ts';
import { driverFamilies } from '../../drivers/index.ts';

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const bus = { id: 'b', type: 'modbus-rtu', port: '/dev/ttyUSB-none', timeout: '700ms' };

describe('modbus family from config', () => {
  it('is registered as a driver family', () => {
    expect(driverFamilies.map((f) => f.name)).toContain('modbus');
  });

  it('takes defaults from the profile, overrides from the device, and plans reads per device', () => {
    const h = modbusHarness({ buses: [bus], devices: [{ id: 'lvl', driver: 'modbus', bus: 'b', unit: 3, profile: 'analog-input-4-20ma', points: [{ name: 'level_m', table: 'input', address: 0, type: 'uint16', scale: 0.000625, offset: -2.5, unit: 'm' }, { name: 'ch2_ma', table: 'input', address: 1, type: 'uint16', scale: 0.001, unit: 'mA' }] }] }, fixtures);
    const device = h.devices.get('lvl') as ModbusDevice;
    expect(device.kind).toBe('flood-level');
    expect(device.settings).toMatchObject({ intervalMs: 5000, timeoutMs: 200, retries: 1, policy: { maxRegistersPerRead: 8, maxGap: 0 } });
    expect(device.settings.points.find((p) => p.name === 'level_m')).toMatchObject({ scale: 0.000625, offset: -2.5 });
    expect(device.readBlocks.map((b) => [b.fc, b.address, b.count])).toEqual([[4, 0, 2]]);
    expect(h.services.map((s) => s.name)).toEqual(['modbus-bus:b']);
  });

  it('names the device and the file when a profile is missing or wrong', () => {
    expect(() => modbusHarness({ buses: [bus], devices: [{ id: 'x', driver: 'modbus', bus: 'b', unit: 1, profile: 'no-such-model' }] }, fixtures)).toThrow(/cannot read profile .*no-such-model\.yaml/);
    expect(() => modbusHarness({ buses: [bus], devices: [{ id: 'x', driver: 'modbus', bus: 'b', unit: 1, profile: 'co2-senseair-s8', points: [{ name: 'bad', table: 'discrete', address: 0, type: 'uint16' }] }] }, fixtures)).toThrow(/device x: points\[2\]\.type/);
  });
});
