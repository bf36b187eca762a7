import { readFileSync } from 'node:fs';
import { ErrorCodes, GatewayError, errorCode } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { UplinkConfig } from './config-schema.ts';

/** The PEM files of `uplink.tls` as read for one connection attempt. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

type PemName = keyof TlsMaterial;
const pemNames: PemName[] = ['ca', 'cert', 'key'];

/**
 * The uplink's certificate files, read again before every connection attempt so a rotated
 * certificate is picked up without a restart. At start a missing file is an error (the config
 * names a file that is not there); later, a file that is missing for a moment (being replaced)
 * is reported once, counted, and the last good copy is used: the next attempt reads it again.
 */
export class TlsFiles {
  readonly #tls: UplinkConfig['tls'];
  readonly #log: Logger;
  #lastGood: TlsMaterial = {};
  #readFailures = 0;
  #lastProblem: string | null = null;

  constructor(tls: UplinkConfig['tls'], log: Logger) {
    this.#tls = tls;
    this.#log = log;
  }

  /** Failed re-reads since start (each time the last good copy was used instead). */
  get readFailures(): number {
    return this.#readFailures;
  }

  /** First read, at start: throws `SecretUnavailable` naming the setting and the file. */
  load(): TlsMaterial {
    for (const name of pemNames) {
      const file = this.#tls?.[name];
      if (file === undefined) continue;
      try {
        this.#lastGood[name] = readFileSync(file);
      } catch (error) {
        throw new GatewayError(ErrorCodes.SecretUnavailable, `cannot read uplink.tls.${name} file ${file}: ${errorCode(error)}`, { cause: error, context: { setting: `uplink.tls.${name}`, file } });
      }
    }
    return { ...this.#lastGood };
  }

  /** Reads the files again for a new connection attempt; never throws. */
  current(): TlsMaterial {
    const problems: string[] = [];
    for (const name of pemNames) {
      const file = this.#tls?.[name];
      if (file === undefined) continue;
      try {
        this.#lastGood[name] = readFileSync(file);
      } catch (error) {
        problems.push(`uplink.tls.${name} ${file}: ${errorCode(error)}`);
      }
    }
    if (problems.length === 0) {
      if (this.#lastProblem !== null) this.#log.info('uplink TLS files readable again');
      this.#lastProblem = null;
    } else {
      this.#readFailures += 1;
      const problem = problems.join('; ');
      // Once per distinct problem: a file gone for an hour must not write a line per attempt.
      if (problem !== this.#lastProblem) this.#log.warn({ code: 'SecretUnavailable', problem }, 'cannot read uplink TLS file; using the copy read before (check the file and its owner)');
      this.#lastProblem = problem;
    }
    return { ...this.#lastGood };
  }
}
