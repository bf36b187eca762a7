import { createHash, randomBytes } from 'node:crypto';
import type { Secret } from '../../core/secret.ts';

/** A camera login; the password stays a Secret until the moment a header is built. */
export interface Credentials {
  username: string;
  password: Secret;
}

export interface AuthChallenge {
  scheme: 'basic' | 'digest';
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate` values (one per header line) into challenges; digest first. */
export function parseChallenges(headers: string[]): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  for (const header of headers) {
    const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
    if (!m) continue;
    const scheme = m[1]!.toLowerCase();
    if (scheme !== 'basic' && scheme !== 'digest') continue;
    const params: Record<string, string> = {};
    for (const p of m[2]!.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))/g)) {
      params[p[1]!.toLowerCase()] = p[2] ?? p[3] ?? '';
    }
    challenges.push({ scheme, params });
  }
  return challenges.sort((a, b) => (a.scheme === b.scheme ? 0 : a.scheme === 'digest' ? -1 : 1));
}

function hash(algorithm: string, text: string): string {
  return createHash(algorithm).update(text).digest('hex');
}

/**
 * The `Authorization` header answering a challenge (RFC 7617 basic, RFC 7616 digest with MD5 or
 * SHA-256, qop auth or none). `nc` counts requests made with the same nonce.
 */
export function authorizationHeader(challenge: AuthChallenge, credentials: Credentials, method: string, uri: string, nc = 1, cnonce = randomBytes(8).toString('hex')): string {
  const password = credentials.password.reveal();
  if (challenge.scheme === 'basic') return `Basic ${Buffer.from(`${credentials.username}:${password}`).toString('base64')}`;
  const { realm = '', nonce = '', opaque, qop } = challenge.params;
  const algorithmName = challenge.params.algorithm ?? 'MD5';
  const algorithm = algorithmName.toUpperCase().startsWith('SHA-256') ? 'sha256' : 'md5';
  let ha1 = hash(algorithm, `${credentials.username}:${realm}:${password}`);
  if (algorithmName.toUpperCase().endsWith('-SESS')) ha1 = hash(algorithm, `${ha1}:${nonce}:${cnonce}`);
  const ha2 = hash(algorithm, `${method}:${uri}`);
  const useQop = qop?.split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined;
  const ncText = nc.toString(16).padStart(8, '0');
  const response = useQop ? hash(algorithm, `${ha1}:${nonce}:${ncText}:${cnonce}:${useQop}:${ha2}`) : hash(algorithm, `${ha1}:${nonce}:${ha2}`);
  const parts = [`username="${credentials.username}"`, `realm="${realm}"`, `nonce="${nonce}"`, `uri="${uri}"`, `response="${response}"`];
  if (challenge.params.algorithm) parts.push(`algorithm=${algorithmName}`);
  if (opaque !== undefined) parts.push(`opaque="${opaque}"`);
  if (useQop) parts.push(`qop=${useQop}`, `nc=${ncText}`, `cnonce="${cnonce}"`);
  return `Digest ${parts.join(', ')}`;
}
