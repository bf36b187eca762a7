import { createHash, sign, verify } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { ErrorCodes, GatewayError } from '../errors.ts';
import { keyIdHex, readSecretKey, type PublicKey } from './keys.ts';

/**
 * Detached signatures in minisign's format (prehashed, algorithm "ED"), checkable with the stock
 * tool: `minisign -V -p PREFIX.pub -m FILE`. The file `FILE.minisig` holds:
 *
 *   untrusted comment: <text>
 *   base64( "ED" | key id (8) | Ed25519 signature of BLAKE2b-512(file) (64) )
 *   trusted comment: <text>
 *   base64( Ed25519 signature of (the signature above | trusted comment text) (64) )
 *
 * The trusted comment is covered by the signature; citygw puts the bundle's version and CPU in it.
 */

const prehashed = Buffer.from('ED');

function blake2b512File(file: string): Buffer {
  const hash = createHash('blake2b512');
  const fd = openSync(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest();
}

/** Signs `file` with the secret key in `keyFile`; writes and returns `<file>.minisig`. */
export function signFile(options: { file: string; keyFile: string; trustedComment: string; out?: string }): string {
  if (/[\r\n]/.test(options.trustedComment)) throw new GatewayError(ErrorCodes.UsageError, 'a trusted comment is one line');
  const key = readSecretKey(options.keyFile);
  const signature = sign(null, blake2b512File(options.file), key.secret);
  const global = sign(null, Buffer.concat([signature, Buffer.from(options.trustedComment, 'utf8')]), key.secret);
  const out = options.out ?? `${options.file}.minisig`;
  const text = [
    `untrusted comment: signature from citygw secret key ${key.idHex}`,
    Buffer.concat([prehashed, key.id, signature]).toString('base64'),
    `trusted comment: ${options.trustedComment}`,
    global.toString('base64'),
    '',
  ].join('\n');
  writeFileSync(out, text);
  return out;
}

export interface VerifiedSignature {
  keyId: string;
  key: PublicKey;
  trustedComment: string;
}

/**
 * Checks `file` against its detached signature with the given trusted keys. Throws
 * SignatureInvalid with one line saying what is wrong: no signature, unknown key, or a file or
 * comment that does not match (tampered, truncated).
 */
export function verifyFile(options: { file: string; signatureFile?: string; trusted: PublicKey[] }): VerifiedSignature {
  const sigFile = options.signatureFile ?? `${options.file}.minisig`;
  let text: string;
  try {
    text = readFileSync(sigFile, 'utf8');
  } catch {
    throw new GatewayError(ErrorCodes.SignatureInvalid, `${options.file}: unsigned (no ${sigFile}); only signed bundles are installed`);
  }
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const sigLine = lines[1];
  const tcLine = lines[2];
  const globalLine = lines[3];
  const bad = (why: string) => new GatewayError(ErrorCodes.SignatureInvalid, `${sigFile}: ${why}`);
  if (sigLine === undefined || tcLine === undefined || globalLine === undefined || !tcLine.startsWith('trusted comment: ')) throw bad('not a minisign signature file');
  const sig = Buffer.from(sigLine, 'base64');
  if (sig.length !== 74) throw bad('not a minisign signature file');
  if (!sig.subarray(0, 2).equals(prehashed)) throw bad('unsupported signature algorithm (sign with `npm run bundle -- --sign KEY` or `minisign -S`)');
  const id = sig.subarray(2, 10);
  const key = options.trusted.find((k) => k.id.equals(id));
  if (!key) {
    const known = options.trusted.map((k) => k.idHex).join(', ') || 'none';
    throw new GatewayError(ErrorCodes.SignatureInvalid, `${options.file}: signed with key ${keyIdHex(id)}, which this box does not trust (trusted: ${known})`);
  }
  const signature = sig.subarray(10);
  if (!verify(null, blake2b512File(options.file), key.key, signature)) {
    throw new GatewayError(ErrorCodes.SignatureInvalid, `${options.file}: signature does not match the file (damaged, truncated or altered); get the bundle again`);
  }
  const trustedComment = tcLine.slice('trusted comment: '.length);
  const global = Buffer.from(globalLine, 'base64');
  if (global.length !== 64 || !verify(null, Buffer.concat([signature, Buffer.from(trustedComment, 'utf8')]), key.key, global)) {
    throw bad('trusted comment was altered');
  }
  return { keyId: key.idHex, key, trustedComment };
}
