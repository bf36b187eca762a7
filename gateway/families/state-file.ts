import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';

/**
 * Small per-device state files under `{dataDir}/families/`: what a family must remember across a
 * restart. Written through a temporary file and a rename, so a power cut leaves the old file or
 * the new one, never half of one.
 */

/** The parsed file, or undefined when there is none (or it is damaged: logged, then ignored). */
export function readStateFile(file: string, log: Logger): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    const err = toError(error);
    if (!('code' in err) || err.code !== 'ENOENT') log.warn({ file, err: err.message }, 'saved family state unreadable; starting without it');
    return undefined;
  }
}

/** Replaces the file with `state` as JSON; a failure is logged (the computation goes on in memory). */
export function writeStateFile(file: string, state: unknown, log: Logger): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  } catch (error) {
    log.warn({ file, err: toError(error).message }, 'cannot save family state');
  }
}
