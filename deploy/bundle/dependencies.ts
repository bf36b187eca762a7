import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { prune } from './contents.ts';

/**
 * The production dependencies for a target CPU, as `npm ci` installs them from the lock file with
 * `--cpu/--os/--libc` (so optional native packages are the target's) and `--ignore-scripts` (so
 * nothing is compiled: better-sqlite3 and serialport load their prebuilt `linux-<arch>` addons),
 * then pruned (contents.ts). Cached per lock file and CPU in `cacheDir`; copied into `dest`.
 */
export function stageDependencies(options: { sourceDir: string; arch: string; cacheDir: string; dest: string }): void {
  const lock = readFileSync(join(options.sourceDir, 'package-lock.json'));
  const pkg = readFileSync(join(options.sourceDir, 'package.json'));
  // Keyed by what decides the installed tree (the lock and the declared dependencies), not the
  // project's own version, so a new release of the same dependencies reuses the cache.
  const declared = JSON.parse(pkg.toString('utf8')) as Record<string, unknown>;
  const decisive = JSON.stringify([declared.dependencies, declared.optionalDependencies, declared.overrides]);
  const key = createHash('sha256').update(lock).update(decisive).digest('hex').slice(0, 16);
  const cached = join(options.cacheDir, `deps-linux-${options.arch}-${key}`);
  if (!existsSync(join(cached, '.complete'))) {
    mkdirSync(options.cacheDir, { recursive: true });
    const tmp = `${cached}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    writeFileSync(join(tmp, 'package.json'), pkg);
    writeFileSync(join(tmp, 'package-lock.json'), lock);
    execFileSync(
      'npm',
      ['ci', '--omit=dev', '--os=linux', `--cpu=${options.arch}`, '--libc=glibc', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    pruneModules(join(tmp, 'node_modules'), options.arch);
    writeFileSync(join(tmp, '.complete'), 'ok\n');
    // Another build may have finished the same cache meanwhile: keep the first.
    if (existsSync(join(cached, '.complete'))) rmSync(tmp, { recursive: true, force: true });
    else {
      rmSync(cached, { recursive: true, force: true });
      renameSync(tmp, cached);
    }
    // Trees of older lock files for this CPU are of no further use (about 135 MB each).
    const prefix = `deps-linux-${options.arch}-`;
    for (const entry of readdirSync(options.cacheDir)) {
      if (entry.startsWith(prefix) && entry !== basename(cached) && !entry.includes('.tmp-')) rmSync(join(options.cacheDir, entry), { recursive: true, force: true });
    }
  }
  cpSync(join(cached, 'node_modules'), options.dest, { recursive: true });
}

function pruneModules(modules: string, arch: string): void {
  for (const rule of prune) {
    const path = join(modules, rule.path.replaceAll('{arch}', arch));
    const leaf = basename(path);
    if (leaf.startsWith('!')) {
      // Keep only the named entry of the folder.
      const dir = dirname(path);
      if (!existsSync(dir)) continue;
      for (const entry of readdirSync(dir)) if (entry !== leaf.slice(1)) rmSync(join(dir, entry), { recursive: true, force: true });
    } else {
      rmSync(path, { recursive: true, force: true });
    }
  }
  // Nested command-link folders too (npm makes them for nested packages with a `bin`).
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const path = join(dir, entry.name);
      if (entry.name === '.bin') rmSync(path, { recursive: true, force: true });
      else walk(path);
    }
  };
  walk(modules);
}
