import { generateKeyPair } from '../../core/signing/keys.ts';
import { parseCommandArgs, requireOption } from './args.ts';
import type { CliCommand } from './types.ts';

export const keygenCommand: CliCommand = {
  name: 'keygen',
  summary: 'make an Ed25519 signing key pair: PREFIX.key (secret, 0600) and PREFIX.pub (minisign format)',
  usage: 'citygw keygen --out PREFIX',
  async run(argv, io) {
    const { values } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' } });
    const prefix = requireOption(values.out, '--out PREFIX');
    const key = generateKeyPair(prefix);
    io.out.write(`key ${key.idHex}\n  secret: ${key.secretFile} (keep offline; signs bundles: npm run bundle -- --sign ${key.secretFile})\n  public: ${key.publicFile} (copy to /etc/citygw/trusted-keys/ on every box)\n`);
    return 0;
  },
};
