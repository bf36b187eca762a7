import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { BoxLayout } from './box-layout.ts';
import { currentVersion, switchCurrent, unpackRelease } from './releases.ts';
import { readKeyValues, updateFiles, writeKeyValues } from './update-state.ts';
import { verifyBundle, type VerifiedBundle } from './verify-bundle.ts';

export interface UpdateOptions {
  file: string;
  layout: BoxLayout;
  /** How long the new release has to prove it is healthy after its start. */
  probationS: number;
  arch?: string;
  /** Restart the service now (systemctl); otherwise the next start runs the new release. */
  restart: boolean;
  say: (line: string) => void;
}

/**
 * `citygw update FILE`: verify (as install does), unpack to releases/<version>/, record the
 * probation, switch `current`, restart. The service launcher then gives the new release one start
 * to become healthy before the deadline and rolls back by itself otherwise. Nothing is changed
 * before the bundle is verified; the config and data are never touched.
 */
export function updateBundle(options: UpdateOptions): VerifiedBundle {
  const { layout, say } = options;
  const previous = currentVersion(layout);
  if (previous === null) throw new GatewayError(ErrorCodes.UpdateFailed, `no release installed under ${layout.opt}; install one first: citygw install FILE`);
  const bundle = verifyBundle({ file: options.file, trustedKeysDir: layout.trustedKeys, ...(options.arch ? { arch: options.arch } : {}) });
  say(`verified: citygw ${bundle.version} for linux-${bundle.arch}, signed by key ${bundle.keyId}`);
  if (bundle.version === previous) throw new GatewayError(ErrorCodes.UpdateFailed, `release ${previous} is already the current one; nothing to do`);
  const probationFile = join(layout.updateState, updateFiles.probation);
  const pending = readKeyValues(probationFile);
  if (pending) throw new GatewayError(ErrorCodes.UpdateFailed, `release ${pending.release ?? '?'} is still on probation; wait for it to be confirmed or rolled back`);
  if (!existsSync(join(layout.opt, 'citygw-service'))) throw new GatewayError(ErrorCodes.UpdateFailed, `${join(layout.opt, 'citygw-service')} is missing; reinstall with citygw install FILE`);

  const dest = unpackRelease(options.file, bundle, layout);
  say(`unpacked to ${dest}`);
  // The probation record first, then the switch: the launcher ignores a record whose release is
  // not current, so a power cut between the two leaves the old release running, unharmed.
  rmSync(join(layout.updateState, updateFiles.started), { force: true });
  rmSync(join(layout.updateStatus, updateFiles.healthy), { force: true });
  writeKeyValues(probationFile, { release: bundle.version, previous, probation_s: options.probationS });
  switchCurrent(layout, bundle.version);
  say(`current -> releases/${bundle.version} (was ${previous}); on probation for ${options.probationS} s after its start`);
  if (options.restart) {
    execFileSync('systemctl', ['restart', '--no-block', 'citygw.service']);
    say('service restarting; watch it: journalctl -u citygw -f (a failed release is rolled back to ' + previous + ' by itself)');
  } else {
    say(`restart the service to start it: systemctl restart citygw (a failed release is rolled back to ${previous} by itself)`);
  }
  return bundle;
}
