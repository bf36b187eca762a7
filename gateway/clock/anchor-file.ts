import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { errorCode, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';

/**
 * What the clock remembers across a restart, in `{dataDir}/clock.json`:
 * - `anchor`: the last known good time as an offset from the monotonic clock of one boot
 *   (UTC = monoMs + offsetMs). A restart in the same boot stamps from it while unsynced.
 * - `markedBoot`: a boot in which readings were stamped without a synced clock, so that when the
 *   clock becomes synced the correction is announced upstream even after a restart.
 */
export interface ClockMemory {
  anchor: { bootId: string; offsetMs: number; savedAtMs: number } | null;
  markedBoot: string | null;
}

export function readClockMemory(file: string, log: Logger): ClockMemory {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ClockMemory>;
    const a = parsed.anchor;
    const anchor = a && typeof a.bootId === 'string' && Number.isFinite(a.offsetMs) && Number.isFinite(a.savedAtMs) ? { bootId: a.bootId, offsetMs: a.offsetMs, savedAtMs: a.savedAtMs } : null;
    return { anchor, markedBoot: typeof parsed.markedBoot === 'string' ? parsed.markedBoot : null };
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') log.warn({ file, err: toError(error).message }, 'clock memory unreadable; starting without a last known good time');
    return { anchor: null, markedBoot: null };
  }
}

/** Written through a temporary file and a rename: a power cut leaves the old file or the new one. */
export function writeClockMemory(file: string, memory: ClockMemory, log: Logger): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(memory));
    renameSync(`${file}.tmp`, file);
  } catch (error) {
    log.warn({ file, err: toError(error).message }, 'cannot save the last known good time');
  }
}
