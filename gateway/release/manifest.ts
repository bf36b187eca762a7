import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

/** The manifest's file name at the root of a release (excluded from its own file list). */
export const manifestFile = 'manifest.json';

/** What a release says about itself; written by the bundle builder, checked on the box. */
export interface ReleaseManifest {
  name: 'citygw';
  version: string;
  /** Git commit the release was built from; `dirty` when the tree had uncommitted changes. */
  commit: string;
  dirty: boolean;
  /** Node.js version shipped in node/. */
  node: string;
  /** CPU architecture of the shipped runtime and native addons: `arm64` or `x64`. */
  arch: string;
  /** Build time as Unix seconds: the commit's time, so two builds of a commit are identical. */
  builtAtS: number;
  /** SHA-256 (hex) of every regular file, by path relative to the release root ('/' separated). */
  files: Record<string, string>;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every regular file under `root`, sorted, relative with '/' separators. Symlinks are refused. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isFile()) out.push(relative(root, path).split(sep).join('/'));
      else throw new GatewayError(ErrorCodes.ReleaseInvalid, `${relative(root, path)}: only regular files and folders belong in a release`);
    }
  };
  walk(root);
  return out.sort();
}

export function hashTree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of listFiles(root)) if (path !== manifestFile) files[path] = sha256File(join(root, path));
  return files;
}

/** Canonical JSON: keys in a fixed order, one file per line, so diffs of two manifests are readable. */
export function serializeManifest(manifest: ReleaseManifest): string {
  const { files, ...head } = manifest;
  const lines = Object.keys(files)
    .sort()
    .map((path) => `    ${JSON.stringify(path)}: ${JSON.stringify(files[path])}`);
  const headJson = JSON.stringify(head, null, 2).replace(/\n}$/, '');
  return `${headJson},\n  "files": {\n${lines.join(',\n')}\n  }\n}\n`;
}

export function readManifest(root: string): ReleaseManifest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(root, manifestFile), 'utf8'));
  } catch (error) {
    throw new GatewayError(ErrorCodes.ReleaseInvalid, `${join(root, manifestFile)}: missing or unreadable manifest`, { cause: error });
  }
  const m = parsed as Partial<ReleaseManifest>;
  if (m.name !== 'citygw' || typeof m.version !== 'string' || typeof m.arch !== 'string' || typeof m.files !== 'object' || m.files === null) {
    throw new GatewayError(ErrorCodes.ReleaseInvalid, `${join(root, manifestFile)}: not a citygw release manifest`);
  }
  return parsed as ReleaseManifest;
}

/**
 * Checks an unpacked release against its manifest: every listed file present with its hash and
 * no file that is not listed. Returns the manifest; throws ReleaseInvalid naming the first problem.
 */
export function checkTree(root: string): ReleaseManifest {
  const manifest = readManifest(root);
  const present = new Set(listFiles(root).filter((p) => p !== manifestFile));
  for (const [path, hash] of Object.entries(manifest.files)) {
    if (!present.has(path)) throw new GatewayError(ErrorCodes.ReleaseInvalid, `${path}: listed in the manifest but missing`);
    if (sha256File(join(root, path)) !== hash) throw new GatewayError(ErrorCodes.ReleaseInvalid, `${path}: content differs from the manifest`);
    present.delete(path);
  }
  const extra = [...present][0];
  if (extra !== undefined) throw new GatewayError(ErrorCodes.ReleaseInvalid, `${extra}: not listed in the manifest`);
  return manifest;
}
