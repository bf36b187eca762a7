import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ErrorCodes, GatewayError, errorCode } from '../../core/errors.ts';
import { gatewayConfigSchema, type GatewayConfig } from './schema.ts';
import { formatPath, type ConfigProblem } from '../../core/problems.ts';
import { driverFamilies } from '../../drivers/index.ts';
import type { DriverFamily } from '../../drivers/types.ts';
import { withConfigDir } from '../../core/paths.ts';
import { closestKey, knownKeys, locateProblems } from './locate.ts';

export { formatPath, type ConfigProblem };

export interface LoadedConfig {
  config: GatewayConfig;
  /** The config file's absolute path. */
  file: string;
  /** `gateway.dataDir` resolved against the config file's folder (as every path in the config). */
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

/**
 * Every problem of a parsed document, each with its path; empty when the config is valid. Relative
 * paths in it resolve against `configDir` (the config file's folder).
 */
export function checkConfig(raw: unknown, configDir?: string): { config?: GatewayConfig; problems: ConfigProblem[] } {
  const checked = checkWithSegments(raw, configDir);
  return { ...checked, problems: checked.problems.map(withoutSegments) };
}

/** A problem as it is shown and handed on: its path, message and line. */
function withoutSegments({ segments: _segments, ...problem }: ConfigProblem): ConfigProblem {
  return problem;
}

function checkWithSegments(raw: unknown, configDir?: string): { config?: GatewayConfig; problems: ConfigProblem[] } {
  const result = configDir === undefined ? gatewayConfigSchema.safeParse(raw) : withConfigDir(configDir, () => gatewayConfigSchema.safeParse(raw));
  if (result.success) return { config: result.data, problems: [] };
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const suggestion = closestKey(key, (configKeys ??= knownKeys(gatewayConfigSchema)));
        const segments = [...issue.path, key];
        problems.push({ path: formatPath(segments), message: suggestion ? `unknown key; did you mean \`${suggestion}\`?` : 'unknown key', segments });
      }
    } else {
      problems.push({ path: formatPath(issue.path), message: describeIssue(issue), segments: [...issue.path] });
    }
  }
  return { problems };
}

let configKeys: Set<string> | undefined;

/**
 * Parses YAML text. A syntax error becomes one problem with line and column: only the first, since
 * the ones after it are usually the same mistake seen again.
 */
export function parseYaml(text: string): { raw?: unknown; problems: ConfigProblem[]; doc?: Document; lines?: LineCounter } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter: lines });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.slice(0, 1).map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '(yaml)',
        message: (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, ''),
      })),
    };
  }
  return { raw: doc.toJS({ maxAliasCount: 100 }), problems: [], doc, lines };
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
  const checked = parsed.problems.length > 0 ? parsed : checkWithSegments(parsed.raw ?? {}, dirname(file));
  // Checks that need files beside the config (device profiles) run once the shape is right.
  if (checked.problems.length === 0 && 'config' in checked && checked.config) {
    const families: readonly DriverFamily[] = driverFamilies;
    for (const family of families) checked.problems.push(...(family.config.check?.(checked.config, dirname(file)) ?? []));
  }
  if (checked.problems.length > 0 || !('config' in checked) || !checked.config) {
    const problems = locateProblems(checked.problems, parsed.raw, parsed.doc, parsed.lines).map(withoutSegments);
    throw new GatewayError(ErrorCodes.ConfigInvalid, `${file}: ${problems.length} problem(s)`, { context: { file, problems } });
  }
  return { config: checked.config, file, dataDir: checked.config.gateway.dataDir };
}

/** Resolves a path from the config against the data folder (absolute paths stay). */
export function inDataDir(loaded: LoadedConfig, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.dataDir, path);
}
