import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The kernel's id of the current boot. Monotonic time is only comparable between two readings of
 * the same boot id. Where the file does not exist (not Linux), every process counts as its own
 * boot: nothing is then estimated across a restart, which is the safe side.
 */
export function readBootId(file = '/proc/sys/kernel/random/boot_id'): string {
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (id.length > 0) return id;
  } catch {
    // fall through
  }
  return `process-${randomUUID()}`;
}
