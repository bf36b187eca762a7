import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile, profilesDir } from '../../drivers/modbus/profile.ts';
import { valueNameProblem } from '../../drivers/profiles/value-names.ts';
import { sdsDeviceSchema } from '../../drivers/serial/config-schema.ts';
import { decodePmsData, type PmsModel } from '../../drivers/serial/pms5003.ts';
import { encodeSdsData, SdsParser } from '../../drivers/serial/sds011.ts';
import { sdsProtocol } from '../../drivers/serial/protocols/sds.ts';
import { airQualityFamilySchema, floodLevelFamilySchema, waterQualityFamilySchema } from '../../core/family-schema.ts';

// One value-name convention end to end (drivers/profiles/README.md, "Value names"): every shipped
// profile, the serial drivers and the families' defaults.

const files = readdirSync(profilesDir).filter((f) => f.endsWith('.yaml'));

/** Every problem, so a failure lists them all at once. */
function problems(entries: Array<{ name: string; unit: string; state?: boolean }>): string[] {
  return entries.map((e) => valueNameProblem(e.name, e.unit, e.state)).filter((p): p is string => p !== null);
}

describe('value names', () => {
  it('the rule accepts the convention and rejects the old names', () => {
    expect(problems([{ name: 'level_m', unit: 'm' }, { name: 'pm25_ug_m3', unit: 'ug/m3' }, { name: 'conductivity_us_cm', unit: 'uS/cm' }, { name: 'ph', unit: 'pH' }, { name: 'relay_1', unit: '', state: true }, { name: 'meter_status', unit: '' }])).toEqual([]);
    expect(valueNameProblem('meter_status', 'ppm')).toMatch(/does not end with a unit/);
    expect(valueNameProblem('pm2_5', 'ug/m3')).toMatch(/does not end with a unit/);
    expect(valueNameProblem('level', 'm')).toMatch(/does not end with a unit/);
    expect(valueNameProblem('do_mg_l', 'ppm')).toMatch(/says _mg_l/);
    expect(valueNameProblem('Level_m', 'm')).toMatch(/snake case/);
  });

  for (const file of files) {
    it(`${file}: every point follows the convention`, () => {
      const profile = loadProfile(join(profilesDir, file));
      const entries = profile.points.map((p) => ({ name: p.name, unit: p.unit, state: p.table === 'coil' || p.table === 'discrete' }));
      expect(problems(entries)).toEqual([]);
    });
  }

  for (const model of ['pms5003', 'pms7003', 'pms5003t'] as PmsModel[]) {
    it(`${model} values follow the convention`, () => {
      const { values, units } = decodePmsData([5, 8, 10, 5, 8, 10, 1000, 300, 60, 10, 2, 1, 0], model);
      expect(Object.keys(values).sort()).toEqual(Object.keys(units).sort());
      expect(problems(Object.keys(values).map((name) => ({ name, unit: units[name]! })))).toEqual([]);
    });
  }

  it('SDS011 values follow the convention', () => {
    const protocol = sdsProtocol(sdsDeviceSchema.parse({ id: 'sds', driver: 'sds011', bus: 'b', mode: 'active' }));
    if (protocol.mode !== 'stream') throw new Error('expected a streaming protocol in active mode');
    const [frame] = new SdsParser().push(encodeSdsData(12.3, 20.5));
    const sample = protocol.decode(frame);
    expect(sample?.values).toEqual({ pm25_ug_m3: 12.3, pm10_ug_m3: 20.5 });
    expect(problems(Object.entries(sample!.units).map(([name, unit]) => ({ name, unit })))).toEqual([]);
  });

  it('the families look for the convention by default', () => {
    const units: Record<string, string> = { pm2_5: 'ug/m3', pm10: 'ug/m3', o3: 'ppb', co: 'ppm', no2: 'ppb', so2: 'ppb' };
    const air = airQualityFamilySchema.parse({ type: 'air-quality' }).points;
    expect(problems(Object.entries(air).map(([pollutant, name]) => ({ name, unit: units[pollutant]! })))).toEqual([]);
    const water = waterQualityFamilySchema.parse({ type: 'water-quality' }).points;
    const waterUnits: Record<string, string> = { do: 'mg/L', ph: 'pH', conductivity: 'uS/cm', turbidity: 'NTU', temperature: 'degC', orp: 'mV', bod: 'mg/L', nh3n: 'mg/L' };
    expect(problems(Object.entries(water).map(([parameter, name]) => ({ name, unit: waterUnits[parameter]! })))).toEqual([]);
    const flood = floodLevelFamilySchema.parse({ type: 'flood-level', stages: { watchM: 1, alertM: 2, criticalM: 3 } });
    expect(valueNameProblem(flood.point, flood.unit)).toBeNull();
  });
});
