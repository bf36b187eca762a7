import { resolve } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { boxLayout } from '../release/box-layout.ts';
import { installBundle } from '../release/install.ts';
import { parseCommandArgs } from './args.ts';
import type { CliCommand } from './types.ts';

export const installCommand: CliCommand = {
  name: 'install',
  summary: 'install this box from a signed release bundle, offline (as root)',
  usage: 'citygw install FILE [--trust KEY.pub] [--root DIR]',
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { trust: { type: 'string' }, root: { type: 'string' }, arch: { type: 'string' } }, true);
    const file = positionals[0];
    if (file === undefined || positionals.length > 1) throw new GatewayError(ErrorCodes.UsageError, 'give one bundle file');
    const root = resolve(values.root ?? '/');
    if (root === '/' && process.getuid?.() !== 0) throw new GatewayError(ErrorCodes.UsageError, 'run as root (sudo), or give --root DIR to install into a folder');
    installBundle({
      file,
      layout: boxLayout(root),
      ...(values.trust ? { trust: values.trust } : {}),
      ...(values.arch ? { arch: values.arch } : {}),
      say: (line) => io.out.write(`${line}\n`),
    });
    return 0;
  },
};
