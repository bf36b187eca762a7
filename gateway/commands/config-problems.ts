import { isGatewayError, ErrorCodes } from '../../core/errors.ts';
import type { ConfigProblem } from '../../core/problems.ts';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { CommandIo } from './types.ts';

/**
 * Prints a config error the way a technician needs it: every problem with its path, no stack
 * trace. Returns the exit code (2) when the error was a config error, or undefined otherwise.
 */
export function reportConfigError(error: unknown, io: CommandIo): number | undefined {
  if (isGatewayError(error, ErrorCodes.ConfigNotFound)) {
    io.err.write(`citygw: ${error.message}\n`);
    return 2;
  }
  if (!isGatewayError(error, ErrorCodes.ConfigInvalid)) return undefined;
  const problems = (error.context?.problems ?? []) as ConfigProblem[];
  const file = String(error.context?.file ?? 'config');
  io.err.write(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was started\n`);
  for (const problem of problems) io.err.write(`  ${problem.path}: ${problem.message}${problem.line === undefined ? '' : ` (line ${problem.line})`}\n`);
  return 2;
}

/**
 * Loads the config a command was given, or prints every problem (no stack trace) and returns the
 * exit code 2, so that nothing is started on a bad config.
 */
export function loadConfigOrReport(file: string, io: CommandIo): LoadedConfig | number {
  try {
    return loadConfig(file);
  } catch (error) {
    const code = reportConfigError(error, io);
    if (code !== undefined) return code;
    throw error;
  }
}
