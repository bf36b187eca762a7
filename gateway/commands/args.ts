import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

/** parseArgs with usage errors as GatewayError(UsageError), so the CLI prints them without a stack. */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    throw new GatewayError(ErrorCodes.UsageError, error instanceof Error ? error.message : String(error));
  }
}

export function requireOption(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new GatewayError(ErrorCodes.UsageError, `missing ${flag}`);
  return value;
}
