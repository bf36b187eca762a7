import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, openSync, readFileSync, statSync, truncateSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkTree, readManifest } from '../../gateway/release/manifest.ts';
import { elfMachine, linkBundle, sharedBundle } from '../helpers/bundle.ts';
import { repoRoot, runCli } from '../helpers/cli.ts';
import type { BuildResult } from '../../deploy/bundle/build.ts';

const hasMinisign = spawnSync('minisign', ['-v']).status === 0;

describe('release bundle for arm64', () => {
  let bundle: BuildResult;
  let unpacked: string;
  let work: string;

  beforeAll(() => {
    bundle = sharedBundle('arm64');
    work = mkdtempSync(join(tmpdir(), 'citygw-bundle-'));
    execFileSync('tar', ['xzf', bundle.file, '-C', work]);
    unpacked = join(work, 'citygw-0.1.0-linux-arm64');
  }, 300_000);

  it('is one file named for version and CPU, holding one folder of the same name', () => {
    const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    expect(bundle.file.endsWith(`/citygw-${version}-linux-arm64.tar.gz`)).toBe(true);
    const top = new Set(execFileSync('tar', ['tzf', bundle.file], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n').filter(Boolean).map((p) => p.split('/')[0]));
    expect([...top]).toEqual([`citygw-${version}-linux-arm64`]);
  });

  it('every file is in the manifest with its SHA-256, and nothing else is in the bundle', () => {
    const manifest = checkTree(unpacked);
    expect(manifest).toMatchObject({ name: 'citygw', arch: 'arm64', node: readFileSync(join(repoRoot, '.node-version'), 'utf8').trim() });
    expect(manifest.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(Object.keys(manifest.files).length).toBeGreaterThan(1000);
  });

  it('ships the arm64 Node runtime and only the arm64 native addons, nothing to compile', () => {
    expect(elfMachine(join(unpacked, 'node', 'bin', 'node'))).toBe(183);
    expect(statSync(join(unpacked, 'node', 'bin', 'node')).mode & 0o111).toBe(0o111);
    const files = Object.keys(readManifest(unpacked).files);
    const addons = files.filter((f) => f.endsWith('.node'));
    for (const addon of addons) expect(elfMachine(join(unpacked, addon)), addon).toBe(183);
    expect(addons).toContain('node_modules/better-sqlite3/prebuilds/linux-arm64.node');
    expect(addons).toContain('node_modules/@serialport/bindings-cpp/prebuilds/linux-arm64/@serialport+bindings-cpp.armv8.glibc.node');
    // A compiled addon in build/ would be loaded before the prebuild: none may ship.
    expect(files.filter((f) => /\/build\//.test(f) && f.includes('better-sqlite3'))).toEqual([]);
    expect(existsSync(join(unpacked, 'node_modules', '@serialport', 'bindings-cpp', 'build'))).toBe(false);
  });

  it('has the code, profiles, flows and examples, and no tests, dev tools, headers or keys', () => {
    const files = Object.keys(readManifest(unpacked).files);
    for (const f of ['bin/citygw', 'bin/citygw-service', 'core/errors.ts', 'gateway/cli.ts', 'drivers/profiles/radar-level-ld8001h.yaml', 'flows/flood-alert.json', 'deploy/examples/canal-station.yaml', 'deploy/systemd/citygw.service', 'package.json']) {
      expect(files, f).toContain(f);
    }
    expect(statSync(join(unpacked, 'bin', 'citygw')).mode & 0o111).toBe(0o111);
    const unwanted = files.filter((f) => /^(test|\.git|\.runtime|node\/include|node_modules\/(vitest|typescript|modbus-serial|@types|\.bin))\//.test(f) || /\.(key|db|sqlite)$/.test(f));
    expect(unwanted).toEqual([]);
  });

  it(
    'is reproducible: `npm run bundle -- --sign` again gives the same bytes, with a signature minisign accepts',
    async () => {
      const out = mkdtempSync(join(tmpdir(), 'citygw-bundle2-'));
      const key = await runCli(['keygen', '--out', join(out, 'release')]);
      expect(key.code).toBe(0);
      const build = spawnSync(process.execPath, [join(repoRoot, 'deploy', 'bundle', 'build.ts'), '--arch', 'arm64', '--out', out, '--sign', join(out, 'release.key')], {
        encoding: 'utf8',
        cwd: repoRoot,
      });
      expect(build.status, build.stderr).toBe(0);
      const again = join(out, 'citygw-0.1.0-linux-arm64.tar.gz');
      expect(readFileSync(again).equals(readFileSync(bundle.file))).toBe(true);
      expect(readFileSync(`${again}.minisig`, 'utf8')).toMatch(/^trusted comment: citygw 0\.1\.0 linux-arm64 commit [0-9a-f]{12}/m);
      if (hasMinisign) expect(execFileSync('minisign', ['-V', '-q', '-p', join(out, 'release.pub'), '-m', again], { encoding: 'utf8' })).toBe('');
    },
    300_000,
  );
});

describe('a box checks a bundle before using it (citygw verify)', () => {
  let dir: string;
  let signed: string;
  let trusted: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citygw-verify-'));
    signed = linkBundle(sharedBundle('arm64').file, dir);
    trusted = join(dir, 'trusted-keys');
    execFileSync('mkdir', ['-p', trusted]);
    expect((await runCli(['keygen', '--out', join(trusted, 'fleet')])).code).toBe(0);
    expect((await runCli(['keygen', '--out', join(dir, 'stranger')])).code).toBe(0);
    const { signFile } = await import('../../core/signing/minisign.ts');
    signFile({ file: signed, keyFile: join(trusted, 'fleet.key'), trustedComment: 'citygw 0.1.0 linux-arm64 commit test' });
  }, 300_000);

  const verify = (file: string, arch = 'arm64') => runCli(['verify', file, '--trusted-keys', trusted, '--arch', arch]);

  /** A copy of the signed bundle with its signature, damaged by `damage`. */
  function variant(name: string, damage: (file: string) => void, signature = `${signed}.minisig`): string {
    const file = join(dir, name);
    copyFileSync(signed, file);
    if (existsSync(signature)) copyFileSync(signature, `${file}.minisig`);
    damage(file);
    return file;
  }

  it('accepts the bundle signed by a trusted key for this CPU', async () => {
    const result = await verify(signed);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/citygw 0\.1\.0 for linux-arm64, signed by trusted key [0-9A-F]{16}/);
    expect(result.code).toBe(0);
  });

  it.each([
    ['unsigned', () => variant('unsigned.tar.gz', () => {}, join(dir, 'none')), /unsigned \(no .*\.minisig\)/],
    ['one byte changed', () => variant('tampered.tar.gz', (f) => { const fd = openSync(f, 'r+'); writeSync(fd, Buffer.from([0x5a]), 0, 1, 1_000_000); closeSync(fd); }), /signature does not match the file/],
    ['truncated', () => variant('truncated.tar.gz', (f) => truncateSync(f, statSync(f).size - 4096)), /signature does not match the file/],
  ])('refuses a bundle that is %s, in one line', async (_name, make, message) => {
    const result = await verify(make());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a bundle signed by a key the box does not trust', async () => {
    const file = variant('stranger.tar.gz', () => {});
    const { signFile } = await import('../../core/signing/minisign.ts');
    signFile({ file, keyFile: join(dir, 'stranger.key'), trustedComment: 'citygw 0.1.0 linux-arm64 commit test' });
    const result = await verify(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/signed with key [0-9A-F]{16}, which this box does not trust/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it("refuses another CPU's bundle before unpacking anything", async () => {
    const result = await verify(signed, 'x64');
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`citygw verify: ${signed}: built for linux-arm64, this box is linux-x64; use the linux-x64 bundle`);
  });
});
