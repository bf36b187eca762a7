import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildBundle, type BuildResult } from '../../deploy/bundle/build.ts';
import { binDir, codePaths } from '../../deploy/bundle/contents.ts';
import { bundleCacheDir } from './bundle.ts';
import { repoRoot } from './cli.ts';

/** A change to one source file of a release variant: `find` must occur in it. */
export interface Patch {
  file: string;
  find: string;
  replace: string;
}

/**
 * Builds a bundle of this working tree with another version and, optionally, a deliberate fault:
 * the way a bad release reaches a box. The source is copied (tracked files of the bundle's
 * paths), patched, and built with the real builder (gzip level 1: these are thrown away).
 */
export function buildVariant(options: { version: string; patches?: Patch[]; outDir: string }): BuildResult {
  const source = mkdtempSync(join(tmpdir(), 'citygw-variant-src-'));
  const files = execFileSync('git', ['-C', repoRoot, 'ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...codePaths, binDir, 'package-lock.json', '.node-version'], { encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(source, f)), { recursive: true });
    cpSync(join(repoRoot, f), join(source, f));
  }
  const pkgFile = join(source, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string };
  pkg.version = options.version;
  writeFileSync(pkgFile, `${JSON.stringify(pkg, null, 2)}\n`);
  for (const patch of options.patches ?? []) {
    const file = join(source, patch.file);
    const text = readFileSync(file, 'utf8');
    if (!text.includes(patch.find)) throw new Error(`variant ${options.version}: "${patch.find}" not found in ${patch.file}`);
    writeFileSync(file, text.replace(patch.find, patch.replace));
  }
  const saved = process.env.SOURCE_DATE_EPOCH;
  process.env.SOURCE_DATE_EPOCH = '1700000000';
  try {
    return buildBundle({ arch: process.arch, sourceDir: source, outDir: options.outDir, cacheDir: bundleCacheDir, gzipLevel: 1 });
  } finally {
    if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
    else process.env.SOURCE_DATE_EPOCH = saved;
  }
}
