import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Files shared by `citygw update`, the service launcher (bin/citygw-service, a shell script) and
 * the gateway. All are `key=value` lines, so the shell can read them.
 *
 * /var/lib/citygw/update/ (root's: the service user cannot steer a rollback):
 *   probation          written by `citygw update`: release=, previous=, probation_s=
 *   probation-started  written by the launcher when it starts a release on probation: a second
 *                      start under the same probation means the first one died, so it rolls back
 *   confirmed          the last release that passed probation (or was installed): release=
 * /var/lib/citygw/update-status/ (the service user's):
 *   healthy            written by the gateway on probation once it is healthy (release=)
 *   failed             written by the launcher when it rolled back (release=, previous=, reason=,
 *                      at_s=); the gateway then running raises `update-failed` and removes it
 */
export const updateFiles = { probation: 'probation', started: 'probation-started', confirmed: 'confirmed', healthy: 'healthy', failed: 'failed' } as const;

export function readKeyValues(file: string): Record<string, string> | null {
  if (!existsSync(file)) return null;
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Writes `file` whole or not at all (temp file and rename). Values are one line each. */
export function writeKeyValues(file: string, values: Record<string, string | number>): void {
  const text = Object.entries(values)
    .map(([k, v]) => `${k}=${String(v).replace(/[\r\n]/g, ' ')}`)
    .join('\n');
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${text}\n`);
  renameSync(tmp, file);
}

export function removeFile(dir: string, name: string): void {
  rmSync(join(dir, name), { force: true });
}
