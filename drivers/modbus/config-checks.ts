import { existsSync, readdirSync } from 'node:fs';
import type { FieldConfig } from '../types.ts';
import { isModbusDevice } from './config-schema.ts';
import type { ConfigProblem } from '../../core/problems.ts';
import { toError } from '../../core/errors.ts';
import { inlineProfile, loadProfile, mergePoints, profilePath, profilesDir } from './profile.ts';

function shippedProfiles(): string[] {
  return readdirSync(profilesDir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/**
 * The Modbus checks `citygw validate` makes beyond the schema: every device's profile exists and is
 * valid, and its point overrides fit the profile. So a misspelt profile is a config problem with
 * its path, found before anything starts, not a failure at run time.
 */
export function checkModbusProfiles(config: FieldConfig, configDir: string): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  config.devices.forEach((device, i) => {
    if (!isModbusDevice(device)) return;
    if (device.profile === undefined) {
      try {
        mergePoints(inlineProfile(device.id, device.kind), device.points, device.id);
      } catch (error) {
        problems.push({ path: `devices[${i}].points`, segments: ['devices', i, 'points'], message: toError(error).message });
      }
      return;
    }
    const file = profilePath(device.profile, configDir);
    if (!existsSync(file)) {
      const isName = file.startsWith(profilesDir);
      problems.push({
        path: `devices[${i}].profile`,
        segments: ['devices', i, 'profile'],
        message: isName ? `unknown profile "${device.profile}" (shipped: ${shippedProfiles().join(', ')}; or give a path to a profile file)` : `profile file ${file} does not exist`,
      });
      return;
    }
    try {
      mergePoints(loadProfile(file), device.points, device.id);
    } catch (error) {
      problems.push({ path: `devices[${i}].profile`, segments: ['devices', i, 'profile'], message: toError(error).message });
    }
  });
  return problems;
}
