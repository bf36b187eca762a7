import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { nodeFiles } from './contents.ts';

/**
 * Brings the pinned Node build for `arch` (the registry's `node-linux-<arch>` package, fetched with
 * `npm pack`, the same source the launcher uses) into `cacheDir` once, and copies the files a box
 * needs into `dest`. Nothing is downloaded when the cache has it.
 */
export function stageNode(options: { version: string; arch: string; cacheDir: string; dest: string }): void {
  const unpacked = join(options.cacheDir, `node-v${options.version}-linux-${options.arch}`);
  if (!existsSync(join(unpacked, 'bin', 'node'))) {
    mkdirSync(options.cacheDir, { recursive: true });
    const tmp = mkdtempSync(join(options.cacheDir, 'fetch-'));
    try {
      execFileSync('npm', ['pack', '--silent', `node-linux-${options.arch}@${options.version}`, '--pack-destination', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
      const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
      if (!tgz) throw new Error(`npm pack node-linux-${options.arch}@${options.version} produced no file`);
      execFileSync('tar', ['xzf', join(tmp, tgz), '-C', tmp]);
      rmSync(unpacked, { recursive: true, force: true });
      renameSync(join(tmp, 'package'), unpacked);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  for (const file of nodeFiles) {
    const to = join(options.dest, file);
    mkdirSync(dirname(to), { recursive: true });
    cpSync(join(unpacked, file), to);
  }
  chmodSync(join(options.dest, 'bin', 'node'), 0o755);
}
