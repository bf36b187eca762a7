import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import { readPublicKey } from '../../core/signing/keys.ts';
import type { BoxLayout } from './box-layout.ts';
import { currentVersion, replaceSymlink, switchCurrent, unpackRelease } from './releases.ts';
import { updateFiles, writeKeyValues } from './update-state.ts';
import { verifyBundle, type VerifiedBundle } from './verify-bundle.ts';

export const serviceUser = 'citygw';

export interface InstallOptions {
  file: string;
  layout: BoxLayout;
  /** A public key to trust from now on (first install: the fleet's key from the USB stick). */
  trust?: string;
  arch?: string;
  /** Report progress, one line each. */
  say: (line: string) => void;
}

/**
 * Installs a box from one bundle, without network: verify, unpack to releases/<version>/, switch
 * `current`, put `citygw` on the PATH, make the service user and folders, write an example
 * config if there is none, install the service launcher and the systemd unit (enabled when
 * systemd runs this root). Nothing is changed before the bundle is verified.
 */
export function installBundle(options: InstallOptions): VerifiedBundle {
  const { layout, say } = options;
  let trustedDir = layout.trustedKeys;
  let newKey: string | null = null;
  if (options.trust) {
    // Checked against this key alone first; it joins the trusted keys only if the bundle verifies.
    const key = readPublicKey(options.trust);
    newKey = options.trust;
    trustedDir = mkdtempSync(join(tmpdir(), 'citygw-trust-'));
    copyFileSync(options.trust, join(trustedDir, `${key.idHex}.pub`));
  }
  let bundle: VerifiedBundle;
  try {
    bundle = verifyBundle({ file: options.file, trustedKeysDir: trustedDir, ...(options.arch ? { arch: options.arch } : {}) });
  } finally {
    if (newKey) rmSync(trustedDir, { recursive: true, force: true });
  }
  say(`verified: citygw ${bundle.version} for linux-${bundle.arch}, signed by key ${bundle.keyId}`);

  const systemRoot = layout.root === '/';
  const user = systemRoot ? ensureServiceUser(say) : null;
  if (!systemRoot) say(`service user: not created under --root ${layout.root} (done on a real install)`);

  mkdirSync(layout.etc, { recursive: true, mode: 0o755 });
  mkdirSync(layout.trustedKeys, { recursive: true, mode: 0o755 });
  if (newKey) {
    const key = readPublicKey(newKey);
    copyFileSync(newKey, join(layout.trustedKeys, `${key.idHex}.pub`));
    say(`trusted key ${key.idHex} added to ${layout.trustedKeys}`);
  }
  for (const dir of [layout.data, layout.updateStatus]) {
    mkdirSync(dir, { recursive: true, mode: 0o750 });
    if (user) chownSync(dir, user.uid, user.gid);
  }
  mkdirSync(layout.updateState, { recursive: true, mode: 0o755 });

  const was = currentVersion(layout);
  const dest = unpackRelease(options.file, bundle, layout);
  say(`unpacked to ${dest}`);
  switchCurrent(layout, bundle.version);
  writeKeyValues(join(layout.updateState, updateFiles.confirmed), { release: bundle.version });
  say(`current -> releases/${bundle.version}${was && was !== bundle.version ? ` (was ${was})` : ''}`);

  // The launcher lives outside the releases: a broken release cannot break its own rollback.
  const launcher = join(layout.opt, 'citygw-service');
  copyFileSync(join(dest, 'bin', 'citygw-service'), `${launcher}.new`);
  chmodSync(`${launcher}.new`, 0o755);
  renameSync(`${launcher}.new`, launcher);
  // Relative, so the same link works in the box's root and in a staged image.
  replaceSymlink(layout.binLink, relative(dirname(layout.binLink), join(layout.current, 'bin', 'citygw')));
  say(`${layout.binLink} -> /opt/citygw/current/bin/citygw`);

  if (!existsSync(layout.config)) {
    const example = readFileSync(join(dest, 'deploy', 'examples', 'canal-station.yaml'), 'utf8').replace(/dataDir: \.\/data/, 'dataDir: /var/lib/citygw');
    writeFileSync(layout.config, example, { mode: 0o640 });
    if (user) chownSync(layout.config, 0, user.gid);
    say(`example config written to /etc/citygw/citygw.yaml: edit it, then: citygw validate --config /etc/citygw/citygw.yaml`);
  } else {
    say('config kept: /etc/citygw/citygw.yaml');
  }

  mkdirSync(join(layout.unitFile, '..'), { recursive: true });
  copyFileSync(join(dest, 'deploy', 'systemd', 'citygw-bundle.service'), layout.unitFile);
  chmodSync(layout.unitFile, 0o644);
  if (systemRoot && existsSync('/run/systemd/system')) {
    execFileSync('systemctl', ['daemon-reload']);
    execFileSync('systemctl', ['enable', 'citygw.service']);
    say('systemd unit installed and enabled: systemctl start citygw; logs: journalctl -u citygw -f');
  } else {
    say(`systemd unit written to ${layout.unitFile}; on the box: systemctl daemon-reload && systemctl enable --now citygw`);
  }
  return bundle;
}

/** Creates the `citygw` system user (member of dialout for serial adapters) when missing. */
function ensureServiceUser(say: (line: string) => void): { uid: number; gid: number } {
  if (spawnSync('id', [serviceUser]).status !== 0) {
    const made = spawnSync('useradd', ['--system', '--home-dir', '/var/lib/citygw', '--no-create-home', '--shell', '/usr/sbin/nologin', serviceUser], { encoding: 'utf8' });
    if (made.status !== 0) throw new GatewayError(ErrorCodes.UpdateFailed, `could not create the ${serviceUser} user: ${made.stderr.trim()}`);
    say(`user ${serviceUser} created`);
  }
  spawnSync('usermod', ['-a', '-G', 'dialout', serviceUser]);
  const uid = Number(execFileSync('id', ['-u', serviceUser], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', serviceUser], { encoding: 'utf8' }).trim());
  return { uid, gid };
}
