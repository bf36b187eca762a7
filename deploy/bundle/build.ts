/**
 * `npm run bundle -- --arch arm64|x64 [--sign KEY] [--out DIR] [--fast]`: builds
 * citygw-<version>-linux-<arch>.tar.gz, one file with everything a box needs (see contents.ts),
 * reproducibly: the same source gives the same bytes. With --sign, also writes the detached
 * minisign signature `<file>.minisig`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { hashTree, manifestFile, serializeManifest, type ReleaseManifest } from '../../gateway/release/manifest.ts';
import { bundleName, releaseArchs } from '../../gateway/release/naming.ts';
import { signFile } from '../../core/signing/minisign.ts';
import { binDir, codePaths } from './contents.ts';
import { stageDependencies } from './dependencies.ts';
import { stageNode } from './node-runtime.ts';
import { packDeterministic } from './tarball.ts';

const repoRoot = resolve(dirname(new URL(import.meta.url).pathname), '..', '..');

export interface BuildOptions {
  arch: string;
  sourceDir: string;
  outDir: string;
  /** Holds the fetched Node builds and installed dependencies between builds. */
  cacheDir: string;
  signKey?: string;
  /** gzip level, 6 unless a quick trial build asks for less (`--fast`: 1, about 15 % bigger). */
  gzipLevel?: number;
}

export interface BuildResult {
  file: string;
  signature: string | null;
  manifest: ReleaseManifest;
}

function git(sourceDir: string, args: string[]): string | null {
  try {
    return execFileSync('git', ['-C', sourceDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** Commit, whether the tree differs from it, its time, and the code files to ship. */
function sourceInfo(sourceDir: string): { commit: string; dirty: boolean; timeS: number; files: string[] } {
  const commit = git(sourceDir, ['rev-parse', 'HEAD']);
  const epoch = process.env.SOURCE_DATE_EPOCH;
  if (commit === null) {
    // A plain folder (an exported tree): every file under the code paths.
    const files: string[] = [];
    const walk = (rel: string) => {
      const path = join(sourceDir, rel);
      if (!existsSync(path)) return;
      if (statSync(path).isDirectory()) for (const name of readdirSync(path)) walk(`${rel}/${name}`);
      else files.push(rel);
    };
    for (const p of [...codePaths, binDir]) walk(p);
    return { commit: 'none', dirty: true, timeS: epoch ? Number(epoch) : 0, files: files.sort() };
  }
  // Tracked files plus new ones not ignored (those make the build `dirty`), as they are on disk.
  const files = (git(sourceDir, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...codePaths, binDir]) ?? '').split('\0').filter((f) => f !== '' && existsSync(join(sourceDir, f)));
  const dirty = (git(sourceDir, ['status', '--porcelain', '--', ...codePaths, binDir, 'package-lock.json', '.node-version']) ?? '') !== '';
  const timeS = epoch ? Number(epoch) : Number(git(sourceDir, ['log', '-1', '--format=%ct']) ?? 0);
  return { commit, dirty, timeS, files: [...new Set(files)].sort() };
}

export function buildBundle(options: BuildOptions): BuildResult {
  if (!releaseArchs.includes(options.arch)) throw new Error(`--arch must be one of ${releaseArchs.join(', ')}, not "${options.arch}"`);
  const pkg = JSON.parse(readFileSync(join(options.sourceDir, 'package.json'), 'utf8')) as { version: string };
  const nodeVersion = readFileSync(join(options.sourceDir, '.node-version'), 'utf8').trim().replace(/^v/, '');
  const source = sourceInfo(options.sourceDir);
  const name = bundleName(pkg.version, options.arch);

  mkdirSync(options.outDir, { recursive: true });
  const stageParent = mkdtempSync(join(options.outDir, '.stage-'));
  try {
    const stage = join(stageParent, name);
    mkdirSync(stage);
    for (const file of source.files) {
      const to = file.startsWith(`${binDir}/`) ? join(stage, 'bin', file.slice(binDir.length + 1)) : join(stage, file);
      mkdirSync(dirname(to), { recursive: true });
      cpSync(join(options.sourceDir, file), to);
    }
    for (const script of readdirSync(join(stage, 'bin'))) chmodSync(join(stage, 'bin', script), 0o755);
    stageNode({ version: nodeVersion, arch: options.arch, cacheDir: options.cacheDir, dest: join(stage, 'node') });
    stageDependencies({ sourceDir: options.sourceDir, arch: options.arch, cacheDir: options.cacheDir, dest: join(stage, 'node_modules') });

    const manifest: ReleaseManifest = {
      name: 'citygw',
      version: pkg.version,
      commit: source.commit,
      dirty: source.dirty,
      node: nodeVersion,
      arch: options.arch,
      builtAtS: source.timeS,
      files: hashTree(stage),
    };
    writeFileSync(join(stage, manifestFile), serializeManifest(manifest));
    const file = join(options.outDir, `${name}.tar.gz`);
    packDeterministic({ parent: stageParent, dir: name, mtimeS: source.timeS, out: file, gzipLevel: options.gzipLevel ?? 6 });
    let signature: string | null = null;
    if (options.signKey) signature = signFile({ file, keyFile: options.signKey, trustedComment: trustedComment(manifest, file) });
    return { file, signature, manifest };
  } finally {
    rmSync(stageParent, { recursive: true, force: true });
  }
}

/** The signed comment names what the bundle is, so a box can refuse another CPU's bundle before unpacking it. */
function trustedComment(manifest: ReleaseManifest, file: string): string {
  return `citygw ${manifest.version} linux-${manifest.arch} commit ${manifest.commit.slice(0, 12)}${manifest.dirty ? '+' : ''} file ${file.split('/').pop()}`;
}

function main(argv: string[]): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { arch: { type: 'string' }, sign: { type: 'string' }, out: { type: 'string' }, source: { type: 'string' }, fast: { type: 'boolean' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`bundle: ${(error as Error).message}\nusage: npm run bundle -- --arch arm64|x64 [--sign KEY] [--out DIR] [--fast]\n`);
    return 2;
  }
  if (!values.arch) {
    process.stderr.write('bundle: missing --arch arm64|x64\nusage: npm run bundle -- --arch arm64|x64 [--sign KEY] [--out DIR] [--fast]\n');
    return 2;
  }
  const startedMs = Date.now();
  try {
    const result = buildBundle({
      arch: values.arch,
      sourceDir: resolve(values.source ?? repoRoot),
      outDir: resolve(values.out ?? join(repoRoot, 'dist')),
      cacheDir: join(repoRoot, '.runtime', 'bundle-cache'),
      ...(values.sign ? { signKey: resolve(values.sign) } : {}),
      ...(values.fast ? { gzipLevel: 1 } : {}),
    });
    const sizeMb = (statSync(result.file).size / 1e6).toFixed(1);
    process.stdout.write(`${result.file} (${sizeMb} MB, ${Object.keys(result.manifest.files).length} files, ${((Date.now() - startedMs) / 1000).toFixed(1)} s)\n`);
    if (result.signature) process.stdout.write(`${result.signature}\n`);
    if (result.manifest.dirty) process.stderr.write('bundle: note: built from a tree with uncommitted changes (manifest says dirty: true)\n');
    return 0;
  } catch (error) {
    process.stderr.write(`bundle: ${(error as Error).message}\n`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
