import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { boxLayout } from '../release/box-layout.ts';
import { updateBundle } from '../release/update.ts';
import { parseCommandArgs } from './args.ts';
import type { CliCommand } from './types.ts';

export const updateCommand: CliCommand = {
  name: 'update',
  summary: 'switch to a signed release bundle; it is rolled back by itself unless healthy in time (as root)',
  usage: 'citygw update FILE [--probation-s 120] [--no-restart] [--root DIR]',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      { 'probation-s': { type: 'string' }, 'no-restart': { type: 'boolean' }, root: { type: 'string' }, arch: { type: 'string' } },
      true,
    );
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new GatewayError(ErrorCodes.UsageError, 'give one bundle file');
    const probationS = Number(values['probation-s'] ?? 120);
    if (!Number.isInteger(probationS) || probationS < 5 || probationS > 3600) throw new GatewayError(ErrorCodes.UsageError, '--probation-s must be a whole number of seconds from 5 to 3600');
    const root = resolve(values.root ?? '/');
    if (root === '/' && process.getuid?.() !== 0) throw new GatewayError(ErrorCodes.UsageError, 'run as root (sudo), or give --root DIR');
    // Under --root there is no service manager to restart: the caller starts the launcher.
    const restart = root === '/' && values['no-restart'] !== true && existsSync('/run/systemd/system');
    updateBundle({ file, layout: boxLayout(root), probationS, restart, ...(values.arch ? { arch: values.arch } : {}), say: (line) => io.out.write(`${line}\n`) });
    return 0;
  },
};
