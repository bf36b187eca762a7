import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, GatewayError } from '../errors.ts';

/**
 * Ed25519 signing keys in minisign's text formats, so anyone can check a citygw signature with
 * the stock `minisign` tool:
 *
 *   PREFIX.pub (minisign public key, unchanged format):
 *     untrusted comment: minisign public key <KEY ID>
 *     base64( "Ed" | key id (8 bytes) | public key (32 bytes) )
 *
 *   PREFIX.key (mode 0600; citygw's own format, not encrypted — keep it offline):
 *     untrusted comment: citygw secret key <KEY ID>
 *     base64( "Ed" | key id (8 bytes) | seed (32 bytes) | public key (32 bytes) )
 *
 * The key id is 8 random bytes; like minisign it is shown as 16 upper-case hex digits of the
 * little-endian number.
 */

const algorithm = Buffer.from('Ed');

export interface PublicKey {
  id: Buffer;
  idHex: string;
  key: KeyObject;
  /** Where it was read from, for messages. */
  source: string;
}

export interface SecretKey extends PublicKey {
  secret: KeyObject;
}

export function keyIdHex(id: Buffer): string {
  return Buffer.from(id).reverse().toString('hex').toUpperCase();
}

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

function publicFromRaw(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' });
}

/** The one base64 line after the comment line, decoded; throws KeyInvalid naming the file. */
function payload(text: string, source: string, expectedLength: number, what: string): Buffer {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const line = lines.find((l) => !l.startsWith('untrusted comment:'));
  const bytes = line === undefined ? Buffer.alloc(0) : Buffer.from(line, 'base64');
  if (bytes.length !== expectedLength || !bytes.subarray(0, 2).equals(algorithm)) {
    throw new GatewayError(ErrorCodes.KeyInvalid, `${source}: not ${what} (expected the format \`citygw keygen\` writes)`);
  }
  return bytes;
}

export function parsePublicKey(text: string, source: string): PublicKey {
  const bytes = payload(text, source, 42, 'an Ed25519 public key in minisign format');
  const id = bytes.subarray(2, 10);
  return { id, idHex: keyIdHex(id), key: publicFromRaw(bytes.subarray(10, 42)), source };
}

export function readPublicKey(file: string): PublicKey {
  return parsePublicKey(readText(file), file);
}

export function readSecretKey(file: string): SecretKey {
  const bytes = payload(readText(file), file, 74, 'a citygw secret key');
  const id = bytes.subarray(2, 10);
  const seed = bytes.subarray(10, 42);
  const pub = bytes.subarray(42, 74);
  const secret = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(pub) }, format: 'jwk' });
  return { id, idHex: keyIdHex(id), key: publicFromRaw(pub), secret, source: file };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new GatewayError(ErrorCodes.KeyInvalid, `${file}: cannot read the key file`, { cause: error });
  }
}

/** Every `*.pub` in `dir` (the box's trusted keys); a missing folder trusts nothing. */
export function readTrustedKeys(dir: string): PublicKey[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.pub')).sort();
  } catch {
    return [];
  }
  return names.map((n) => readPublicKey(join(dir, n)));
}

/**
 * Makes a new key pair: PREFIX.key (mode 0600, created exclusively: an existing key is never
 * overwritten) and PREFIX.pub. Returns the key id.
 */
export function generateKeyPair(prefix: string): { idHex: string; secretFile: string; publicFile: string } {
  const secretFile = `${prefix}.key`;
  const publicFile = `${prefix}.pub`;
  for (const file of [secretFile, publicFile]) {
    if (existsSync(file)) throw new GatewayError(ErrorCodes.KeyInvalid, `${file}: already exists; an existing key is never overwritten (choose another --out)`);
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.x !== 'string') throw new GatewayError(ErrorCodes.KeyInvalid, 'could not export the new key');
  const seed = Buffer.from(jwk.d, 'base64url');
  const pub = Buffer.from(jwk.x, 'base64url');
  const id = randomBytes(8);
  const idHex = keyIdHex(id);
  const secretText = `untrusted comment: citygw secret key ${idHex}\n${Buffer.concat([algorithm, id, seed, pub]).toString('base64')}\n`;
  const publicText = `untrusted comment: minisign public key ${idHex}\n${Buffer.concat([algorithm, id, pub]).toString('base64')}\n`;
  try {
    writeFileSync(secretFile, secretText, { mode: 0o600, flag: 'wx' });
    writeFileSync(publicFile, publicText, { mode: 0o644, flag: 'wx' });
  } catch (error) {
    throw new GatewayError(ErrorCodes.KeyInvalid, `${(error as NodeJS.ErrnoException).path ?? prefix}: cannot write the key (${(error as NodeJS.ErrnoException).code ?? 'error'}); an existing key is never overwritten`, {
      cause: error,
    });
  }
  return { idHex, secretFile, publicFile };
}
