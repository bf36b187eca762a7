import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { z } from 'zod';
import { errorCode } from './errors.ts';
import { resolveConfigPath } from './paths.ts';

/**
 * A secret from the config. Its value is only reachable through `reveal()`; printing, logging or
 * serialising it shows `[redacted]`, so a secret cannot leak through a log line or a payload.
 */
export class Secret {
  readonly #value: string;
  readonly source: string;

  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
  }

  reveal(): string {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return `Secret(${this.source})`;
  }
}

/**
 * A secret in YAML: `{env: NAME}` (an environment variable), `{file: /path}` (a file's first line,
 * e.g. a systemd credential; a relative path is relative to the config file's folder, like every
 * path in the config), or a literal string (allowed, but keep the file private).
 */
export const secret = z
  .union([z.string().min(1), z.strictObject({ env: z.string().min(1) }), z.strictObject({ file: z.string().min(1) })])
  .transform((value, ctx) => {
    if (typeof value === 'string') return new Secret(value, 'inline');
    if ('env' in value) {
      const found = process.env[value.env];
      if (found === undefined || found === '') {
        ctx.addIssue({ code: 'custom', message: `environment variable ${value.env} is not set` });
        return z.NEVER;
      }
      return new Secret(found, `env ${value.env}`);
    }
    const file = resolveConfigPath(value.file);
    try {
      const text = readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
      if (text === '') {
        ctx.addIssue({ code: 'custom', message: `secret file ${file} is empty` });
        return z.NEVER;
      }
      return new Secret(text, `file ${file}`);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read secret file ${file}: ${errorCode(error)}` });
      return z.NEVER;
    }
  });
