import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { formatPath } from '../../core/problems.ts';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { modbusProfileSchema, pointProblems, type ModbusProfile } from '../profiles/schema.ts';
import type { ModbusPointConfig } from './config-schema.ts';

/** Where the shipped profiles live. */
export const profilesDir = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'profiles');

/**
 * A device's `profile:` is either a shipped model name (`radar-level-ld8001h`) or a path to a
 * profile file, relative to the config file's folder.
 */
export function profilePath(profile: string, configDir: string): string {
  const isPath = profile.includes('/') || /\.(ya?ml|json)$/i.test(profile);
  if (!isPath) return join(profilesDir, `${profile}.yaml`);
  return isAbsolute(profile) ? profile : resolve(configDir, profile);
}

/**
 * The profile of a device described only by its own `points` in the config: no defaults, no
 * wake-up read; its kind is the device's `kind` (or `generic`).
 */
export function inlineProfile(deviceId: string, kind: string | undefined): ModbusProfile {
  return { model: `inline-${deviceId}`.slice(0, 64), name: `points of ${deviceId} in the config`, kind: kind ?? 'generic', source: 'the device entry in the config file', verified: false, defaults: {}, points: [] };
}

/** Reads and validates one profile file; every problem is listed in the error's context. */
export function loadProfile(file: string): ModbusProfile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new GatewayError(ErrorCodes.ProfileInvalid, `cannot read profile ${file}: ${toError(error).message}`, { cause: error, context: { file } });
  }
  const result = modbusProfileSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
    throw new GatewayError(ErrorCodes.ProfileInvalid, `profile ${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`, { context: { file, problems } });
  }
  return result.data;
}

/** The profile's points with the device's own points replacing (same name) or extending them. */
export function mergePoints(profile: ModbusProfile, overrides: readonly ModbusPointConfig[], deviceId: string): ModbusPointConfig[] {
  const byName = new Map(profile.points.map((p) => [p.name, p]));
  for (const point of overrides) byName.set(point.name, point);
  const points = [...byName.values()];
  const problems = pointProblems(points);
  if (problems.length > 0) {
    throw new GatewayError(ErrorCodes.ProfileInvalid, `device ${deviceId}: ${problems.map((p) => `points${formatPath(p.path)}: ${p.message}`).join('; ')}`, { context: { device: deviceId, problems } });
  }
  return points;
}
