import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { verifyFile } from '../../core/signing/minisign.ts';
import { readTrustedKeys } from '../../core/signing/keys.ts';

export interface VerifiedBundle {
  version: string;
  arch: string;
  keyId: string;
}

/** The signed comment the bundle builder writes: `citygw <version> linux-<arch> ...`. */
const commentPattern = /^citygw (\S+) linux-(\S+)(?: |$)/;

/**
 * Checks a bundle before anything of it is unpacked or run: a signature by a key in
 * `trustedKeysDir`, over exactly these bytes, for this box's CPU. Throws one GatewayError whose
 * message is the one line to show.
 */
export function verifyBundle(options: { file: string; trustedKeysDir: string; arch?: string }): VerifiedBundle {
  const trusted = readTrustedKeys(options.trustedKeysDir);
  if (trusted.length === 0) {
    throw new GatewayError(ErrorCodes.SignatureInvalid, `no trusted keys in ${options.trustedKeysDir}; copy the release signer's .pub file there first`);
  }
  const verified = verifyFile({ file: options.file, trusted });
  const match = commentPattern.exec(verified.trustedComment);
  if (!match) throw new GatewayError(ErrorCodes.SignatureInvalid, `${options.file}: signed, but not as a citygw bundle (trusted comment: ${verified.trustedComment})`);
  const [, version, arch] = match as unknown as [string, string, string];
  const boxArch = options.arch ?? process.arch;
  if (arch !== boxArch) {
    throw new GatewayError(ErrorCodes.ReleaseInvalid, `${options.file}: built for linux-${arch}, this box is linux-${boxArch}; use the linux-${boxArch} bundle`);
  }
  return { version, arch, keyId: verified.keyId };
}
