import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { errorCode } from './errors.ts';

/**
 * Every path written in a config file means the same thing: relative to the config file's folder,
 * whoever starts the gateway and from wherever (systemd starts it in `/`, a technician in their home
 * folder). The loader sets the folder for the duration of one synchronous parse; outside a parse
 * (a test building a config by hand) relative paths resolve against the current directory.
 */
let parseBaseDir: string | null = null;

/** Runs `parse` with relative config paths resolved against `configDir`. */
export function withConfigDir<T>(configDir: string, parse: () => T): T {
  const before = parseBaseDir;
  parseBaseDir = configDir;
  try {
    return parse();
  } finally {
    parseBaseDir = before;
  }
}

/** A path from the config, absolute: relative ones against the config file's folder. */
export function resolveConfigPath(path: string): string {
  return isAbsolute(path) ? path : resolve(parseBaseDir ?? process.cwd(), path);
}

/** Why the current user cannot read `file`, or null when it can. */
export function unreadableReason(file: string): string | null {
  try {
    if (statSync(file).isDirectory()) return 'is a folder, not a file';
    accessSync(file, constants.R_OK);
    return null;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return 'does not exist';
    if (code === 'EACCES' || code === 'EPERM') return `is not readable by this user (uid ${process.getuid?.() ?? '?'}); fix its owner or mode`;
    return code;
  }
}

/**
 * A file the gateway reads (a certificate, a key, a CA bundle): resolved against the config file's
 * folder and checked readable by the current user when the config is loaded, so `citygw validate`
 * finds what `citygw run` would otherwise trip over.
 */
export const configFile = z
  .string()
  .min(1)
  .transform((path, ctx) => {
    const file = resolveConfigPath(path);
    const reason = unreadableReason(file);
    if (reason) {
      ctx.addIssue({ code: 'custom', message: `file ${file} ${reason}` });
      return z.NEVER;
    }
    return file;
  });
