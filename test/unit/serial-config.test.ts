import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../gateway/config/load.ts';

const base = { gateway: { id: 'gw' } };

describe('serial and family config', () => {
  it('accepts serial buses, the four serial drivers and family settings, with defaults', () => {
    const { config, problems } = checkConfig({
      ...base,
      buses: [
        { type: 'serial', id: 'air', port: '/dev/serial/by-id/usb-pms' },
        { type: 'serial', id: 'sdi', port: '/dev/ttyUSB1', baud: 1200, dataBits: 7, parity: 'even', reopen: { min: '2s', max: '1m' } },
        { type: 'modbus-rtu', id: 'rs485', port: '/dev/ttyUSB2' },
      ],
      devices: [
        { id: 'school-pm', driver: 'pms5003', bus: 'air', family: { type: 'air-quality', staleAfter: '15m' } },
        { id: 'sds', driver: 'sds011', bus: 'air', interval: '5m' },
        { id: 'sonde', driver: 'sdi12', bus: 'sdi', address: '0', command: 'MC', values: [{ name: 'do_mg_l', unit: 'mg/L' }, { name: 'ph' }], family: { type: 'water-quality' } },
        { id: 'gauge', driver: 'line', bus: 'air', format: { type: 'pattern', pattern: '^L=(?<level_m>[\\d.]+)$', units: { level_m: 'm' } }, family: { type: 'flood-level', stages: { watchM: 3.7, alertM: 4.0, criticalM: 4.2 } } },
        { id: 'radar', driver: 'modbus', bus: 'rs485', unit: 1, profile: 'radar', family: { type: 'flood-level', unit: 'mm', datum: { mode: 'distance', sensorElevationM: 6 }, stages: { watchM: 3.7, alertM: 4.0, criticalM: 4.2, minHold: '5m' }, rise: { window: '30m', alertCmH: 2 } } },
      ],
    });
    expect(problems).toEqual([]);
    const pms = config!.devices[0]!;
    expect(pms).toMatchObject({ driver: 'pms5003', mode: 'active', model: 'pms5003', interval: 60_000, family: { type: 'air-quality', staleAfter: 900_000, points: { pm2_5: 'pm25_ug_m3', pm10: 'pm10_ug_m3' } } });
    expect(config!.buses[0]).toMatchObject({ baud: 9600, reopen: { min: 1000, max: 30_000 } });
    expect(config!.devices[4]).toMatchObject({ family: { stages: { hysteresisM: 0.05, minHold: 300_000 }, rise: { window: 1_800_000, alertCmH: 2 } } });
  });

  it('reports every problem with its path', () => {
    const { problems } = checkConfig({
      ...base,
      buses: [{ type: 'serial', id: 'air', port: '/dev/ttyUSB0', speed: 9600 }, { type: 'modbus-rtu', id: 'rs485', port: '/dev/ttyUSB2' }],
      devices: [
        { id: 'a', driver: 'pms5003', bus: 'rs485' },
        { id: 'b', driver: 'sdi12', bus: 'air', address: '00', values: [{ name: 'x' }] },
        { id: 'c', driver: 'modbus', bus: 'rs485', unit: 1, profile: 'p', family: { type: 'flood-level', stages: { watchM: 4, alertM: 3, criticalM: 5 } } },
        { id: 'd', driver: 'modbus', bus: 'rs485', unit: 2, profile: 'p', family: { type: 'air-quality', colour: 'red' } },
        { id: 'e', driver: 'line', bus: 'air', format: { type: 'pattern', pattern: '(unclosed', units: {} } },
      ],
    });
    const paths = problems.map((p) => p.path);
    expect(paths).toContain('buses[0].speed');
    expect(paths).toContain('devices[0].bus');
    expect(paths).toContain('devices[1].address');
    expect(paths).toContain('devices[2].family.stages');
    expect(paths).toContain('devices[3].family.colour');
    expect(paths).toContain('devices[4].format.pattern');
  });
});
