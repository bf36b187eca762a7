import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { signFile } from '../../core/signing/minisign.ts';
import { linkBundle, sharedBundle } from '../helpers/bundle.ts';
import { runCli } from '../helpers/cli.ts';

/** `unshare -n` runs a command with no network at all (only a down loopback): the offline proof. */
const offline = spawnSync('unshare', ['-n', 'true']).status === 0 ? ['unshare', '-n'] : [];
if (offline.length === 0) process.stderr.write('install test: unshare -n is not permitted here, so the install runs with the network present\n');

/** Every path under `dir`, for "nothing changed" checks. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

describe('offline install from one bundle into a throwaway root (citygw install --root)', () => {
  let usb: string;
  let bundle: string;
  let release: string;
  let version: string;

  /** Runs the unpacked release's own bin/citygw (as a contractor does from the USB stick), offline. */
  function citygw(args: string[]): { code: number | null; out: string; err: string } {
    const [cmd, ...pre] = [...offline, join(release, 'bin', 'citygw')];
    const r = spawnSync(cmd!, [...pre, ...args], { encoding: 'utf8', env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CITYGW_LOG_FORMAT: 'json' }, timeout: 120_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  }

  beforeAll(async () => {
    const shared = sharedBundle('x64');
    version = shared.manifest.version;
    usb = mkdtempSync(join(tmpdir(), 'citygw-usb-'));
    bundle = linkBundle(shared.file, usb);
    expect((await runCli(['keygen', '--out', join(usb, 'fleet')])).code).toBe(0);
    signFile({ file: bundle, keyFile: join(usb, 'fleet.key'), trustedComment: `citygw ${version} linux-x64 commit test` });
    execFileSync('tar', ['xzf', bundle, '-C', usb]);
    release = join(usb, `citygw-${version}-linux-x64`);
  }, 400_000);

  it('refuses a damaged bundle or another CPU with one line, and changes nothing', () => {
    const root = mkdtempSync(join(tmpdir(), 'citygw-root-'));
    const damaged = join(usb, 'damaged.tar.gz');
    copyFileSync(bundle, damaged);
    copyFileSync(`${bundle}.minisig`, `${damaged}.minisig`);
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.from([0x42]), 0, 1, 2_000_000);
    closeSync(fd);
    const bad = citygw(['install', damaged, '--trust', join(usb, 'fleet.pub'), '--root', root]);
    expect(bad.code).toBe(1);
    expect(bad.err.trim().split('\n')).toEqual([expect.stringMatching(/^citygw install: .*signature does not match the file/)]);
    const otherCpu = citygw(['install', bundle, '--trust', join(usb, 'fleet.pub'), '--root', root, '--arch', 'arm64']);
    expect(otherCpu.code).toBe(1);
    expect(otherCpu.err.trim()).toMatch(/^citygw install: .*built for linux-x64, this box is linux-arm64; use the linux-arm64 bundle$/);
    const stranger = citygw(['install', bundle, '--root', root]);
    expect(stranger.code).toBe(1);
    expect(stranger.err.trim()).toMatch(/no trusted keys in .*trusted-keys; copy the release signer's \.pub file there first/);
    expect(tree(root)).toEqual([]);
  }, 120_000);

  it('installs: release folder, atomic current link, citygw on PATH, example config, unit, launcher, trusted key', () => {
    const root = mkdtempSync(join(tmpdir(), 'citygw-root-'));
    const result = citygw(['install', bundle, '--trust', join(usb, 'fleet.pub'), '--root', root]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`not created under --root ${root}`);
    const opt = join(root, 'opt', 'citygw');
    expect(readlinkSync(join(opt, 'current'))).toBe(`releases/${version}`);
    expect(readdirSync(join(opt, 'releases'))).toEqual([version]);
    expect(existsSync(join(opt, 'releases', version, 'manifest.json'))).toBe(true);
    // citygw on the PATH: the link resolves inside the root and runs the release with its own Node.
    const onPath = join(root, 'usr', 'local', 'bin', 'citygw');
    expect(realpathSync(onPath)).toBe(realpathSync(join(opt, 'releases', version, 'bin', 'citygw')));
    expect(execFileSync(onPath, ['version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } }).trim()).toBe(version);
    expect(statSync(join(opt, 'citygw-service')).mode & 0o111).toBe(0o111);
    const config = readFileSync(join(root, 'etc', 'citygw', 'citygw.yaml'), 'utf8');
    expect(config).toContain('dataDir: /var/lib/citygw');
    expect(readdirSync(join(root, 'etc', 'citygw', 'trusted-keys'))).toEqual([expect.stringMatching(/^[0-9A-F]{16}\.pub$/)]);
    const unit = readFileSync(join(root, 'etc', 'systemd', 'system', 'citygw.service'), 'utf8');
    expect(unit).toMatch(/^Type=notify$/m);
    expect(unit).toMatch(/^WatchdogSec=\d+$/m);
    expect(unit).toMatch(/^ExecStart=\/opt\/citygw\/citygw-service run --config \/etc\/citygw\/citygw.yaml$/m);
    for (const dir of ['var/lib/citygw', 'var/lib/citygw/update', 'var/lib/citygw/update-status']) expect(statSync(join(root, dir)).isDirectory(), dir).toBe(true);
    // Nothing of the config or data is inside the release.
    expect(readdirSync(join(opt, 'releases', version)).filter((n) => /\.(ya?ml|db)$/.test(n))).toEqual([]);

    // Installing again keeps the config the technician edited.
    const again = citygw(['install', bundle, '--root', root]);
    expect(again.code).toBe(0);
    expect(again.out).toContain('config kept');
  }, 180_000);

  const analyze = spawnSync('systemd-analyze', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!analyze)('the installed unit passes systemd-analyze verify', () => {
    const root = mkdtempSync(join(tmpdir(), 'citygw-root-'));
    expect(citygw(['install', bundle, '--trust', join(usb, 'fleet.pub'), '--root', root]).code).toBe(0);
    // verify resolves ExecStart= on the real file system: give it the installed launcher's path.
    const unitDir = mkdtempSync(join(tmpdir(), 'citygw-unit-'));
    const unit = readFileSync(join(root, 'etc', 'systemd', 'system', 'citygw.service'), 'utf8').replace('ExecStart=/opt/citygw/', `ExecStart=${root}/opt/citygw/`);
    mkdirSync(unitDir, { recursive: true });
    execFileSync('sh', ['-c', 'cat > "$1"', 'sh', join(unitDir, 'citygw.service')], { input: unit });
    const r = spawnSync('systemd-analyze', ['verify', join(unitDir, 'citygw.service')], { encoding: 'utf8' });
    // Lines about the host's own units (this machine may not boot with systemd) are not ours.
    const ours = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.includes('citygw'));
    expect(ours).toEqual([]);
    expect(r.status, r.stderr).toBe(0);
  }, 180_000);
});
