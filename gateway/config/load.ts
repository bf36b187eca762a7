import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ErrorCodes, GatewayError, errorCode } from '../../core/errors.ts';
import { gatewayConfigSchema, type GatewayConfig } from './schema.ts';
import { formatPath, type ConfigProblem } from '../../core/problems.ts';
import { driverFamilies } from '../../drivers/index.ts';
import type { DriverFamily } from '../../drivers/types.ts';

export { formatPath, type ConfigProblem };

export interface LoadedConfig {
  config: GatewayConfig;
  /** The config file's absolute path. */
  file: string;
  /** `gateway.dataDir` resolved against the config file's folder. */
  dataDir: string;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator) return issue.message;
      return issue.message;
    default:
      return issue.message;
  }
}

/** Every problem of a parsed document, each with its path; empty when the config is valid. */
export function checkConfig(raw: unknown): { config?: GatewayConfig; problems: ConfigProblem[] } {
  const result = gatewayConfigSchema.safeParse(raw);
  if (result.success) return { config: result.data, problems: [] };
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: formatPath([...issue.path, key]), message: 'unknown key' });
    } else {
      problems.push({ path: formatPath(issue.path), message: describeIssue(issue) });
    }
  }
  return { problems };
}

/** Parses YAML text; syntax errors become problems with line and column. */
export function parseYaml(text: string): { raw?: unknown; problems: ConfigProblem[] } {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    };
  }
  return { raw: doc.toJS({ maxAliasCount: 100 }), problems: [] };
}

/**
 * Reads, parses and validates a config file. Throws `GatewayError(ConfigInvalid)` whose
 * `context.problems` lists every problem, so nothing starts on a bad config.
 */
export function loadConfig(file: string): LoadedConfig {
  const absolute = resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new GatewayError(ErrorCodes.ConfigNotFound, `cannot read config file ${absolute}: ${errorCode(error)}`, { cause: error });
  }
  return loadConfigText(text, absolute);
}

export function loadConfigText(text: string, file: string): LoadedConfig {
  const parsed = parseYaml(text);
  const checked = parsed.problems.length > 0 ? parsed : checkConfig(parsed.raw ?? {});
  // Checks that need files beside the config (device profiles) run once the shape is right.
  if (checked.problems.length === 0 && 'config' in checked && checked.config) {
    const families: readonly DriverFamily[] = driverFamilies;
    for (const family of families) checked.problems.push(...(family.config.check?.(checked.config, dirname(file)) ?? []));
  }
  if (checked.problems.length > 0 || !('config' in checked) || !checked.config) {
    throw new GatewayError(ErrorCodes.ConfigInvalid, `${file}: ${checked.problems.length} problem(s)`, { context: { file, problems: checked.problems } });
  }
  const dataDirSetting = checked.config.gateway.dataDir;
  const dataDir = isAbsolute(dataDirSetting) ? dataDirSetting : resolve(dirname(file), dataDirSetting);
  return { config: checked.config, file, dataDir };
}

/** Resolves a path from the config against the data folder (absolute paths stay). */
export function inDataDir(loaded: LoadedConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.dataDir, path);
}
