import { boxLayout } from '../release/box-layout.ts';
import { verifyBundle } from '../release/verify-bundle.ts';
import { parseCommandArgs } from './args.ts';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { CliCommand } from './types.ts';

export const verifyCommand: CliCommand = {
  name: 'verify',
  summary: "check a release bundle's signature against the trusted keys and this box's CPU",
  usage: 'citygw verify FILE [--trusted-keys DIR] [--arch arm64|x64]',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { 'trusted-keys': { type: 'string' }, arch: { type: 'string' } }, true);
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new GatewayError(ErrorCodes.UsageError, 'give one bundle file');
    const bundle = verifyBundle({ file, trustedKeysDir: values['trusted-keys'] ?? boxLayout().trustedKeys, ...(values.arch ? { arch: values.arch } : {}) });
    io.out.write(`${file}: citygw ${bundle.version} for linux-${bundle.arch}, signed by trusted key ${bundle.keyId}\n`);
    return 0;
  },
};
