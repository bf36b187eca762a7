import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildBundle, type BuildResult } from '../../deploy/bundle/build.ts';
import { binDir, codePaths } from '../../deploy/bundle/contents.ts';
import { repoRoot } from './cli.ts';

export const bundleCacheDir = join(repoRoot, '.runtime', 'bundle-cache');
const sharedDir = join(repoRoot, '.test-tmp', 'bundles');

/** A key for the source the bundle is built from: the content of every file that goes in. */
function sourceKey(sourceDir: string): string {
  const hash = createHash('sha256');
  const files = execFileSync('git', ['-C', sourceDir, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...codePaths, binDir, 'package-lock.json', '.node-version'], {
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(sourceDir, f)))
    .sort();
  for (const f of files) hash.update(f).update('\0').update(readFileSync(join(sourceDir, f))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The bundle of this working tree for `arch`, built once per source state and shared by the test
 * files that need one (a lock folder keeps two workers from building it at once).
 */
export function sharedBundle(arch: string): BuildResult {
  const dir = join(sharedDir, `${arch}-${sourceKey(repoRoot)}`);
  const done = join(dir, 'result.json');
  const lock = `${dir}.lock`;
  mkdirSync(sharedDir, { recursive: true });
  for (let waitedMs = 0; !existsSync(done); waitedMs += 500) {
    try {
      mkdirSync(lock);
    } catch {
      // Another worker builds it; a lock older than 10 minutes is from a killed run.
      if (waitedMs > 600_000 || Date.now() - statSync(lock).mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true });
      sleepMs(500);
      continue;
    }
    try {
      if (!existsSync(done)) {
        // Bundles of older source states of this CPU are of no use any more (70 MB each).
        for (const old of readdirSync(sharedDir)) if (old.startsWith(`${arch}-`) && !old.endsWith('.lock')) rmSync(join(sharedDir, old), { recursive: true, force: true });
        const result = buildBundle({ arch, sourceDir: repoRoot, outDir: dir, cacheDir: bundleCacheDir });
        writeFileSync(done, JSON.stringify(result));
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return JSON.parse(readFileSync(done, 'utf8')) as BuildResult;
}

/** A hard link of a (shared) bundle in `dir`, so a test can sign or damage its own copy cheaply. */
export function linkBundle(file: string, dir: string): string {
  const to = join(dir, file.split('/').pop()!);
  linkSync(file, to);
  return to;
}

/** The ELF machine of an executable: 183 is aarch64, 62 is x86-64. */
export function elfMachine(file: string): number {
  const head = readFileSync(file).subarray(0, 20);
  return head.readUInt16LE(18);
}
