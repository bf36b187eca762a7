import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { BoxLayout } from './box-layout.ts';
import { checkTree } from './manifest.ts';
import { bundleName } from './naming.ts';
import type { VerifiedBundle } from './verify-bundle.ts';

/**
 * Unpacks a verified bundle to releases/<version>/: first into a hidden folder next to it, checked
 * file by file against its manifest, then renamed into place, so a power cut never leaves a half
 * release under its real name. An existing, intact folder of the same version is kept.
 */
export function unpackRelease(file: string, bundle: VerifiedBundle, layout: BoxLayout): string {
  const dest = join(layout.releases, bundle.version);
  mkdirSync(layout.releases, { recursive: true });
  const incoming = join(layout.releases, `.incoming-${process.pid}`);
  rmSync(incoming, { recursive: true, force: true });
  mkdirSync(incoming);
  try {
    try {
      execFileSync('tar', ['xzf', file, '-C', incoming, '--no-same-owner'], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      throw new GatewayError(ErrorCodes.ReleaseInvalid, `${file}: cannot unpack (${String((error as { stderr?: Buffer }).stderr ?? '').trim().split('\n')[0] || 'tar failed'})`);
    }
    const top = join(incoming, bundleName(bundle.version, bundle.arch));
    if (!existsSync(top)) throw new GatewayError(ErrorCodes.ReleaseInvalid, `${file}: does not hold ${bundleName(bundle.version, bundle.arch)}/`);
    const manifest = checkTree(top);
    if (manifest.version !== bundle.version || manifest.arch !== bundle.arch) {
      throw new GatewayError(ErrorCodes.ReleaseInvalid, `${file}: manifest says ${manifest.version} linux-${manifest.arch}, the signature says ${bundle.version} linux-${bundle.arch}`);
    }
    if (existsSync(dest)) {
      try {
        checkTree(dest);
        return dest;
      } catch {
        // A damaged copy of this version: replaced below (it cannot be current: checked by the caller).
        rmSync(dest, { recursive: true, force: true });
      }
    }
    renameSync(top, dest);
    return dest;
  } finally {
    rmSync(incoming, { recursive: true, force: true });
  }
}

/** The version `current` points at, or null before the first install. */
export function currentVersion(layout: BoxLayout): string | null {
  try {
    return basename(readlinkSync(layout.current));
  } catch {
    return null;
  }
}

/** Points `link` at `target` atomically: a new link under a temporary name, renamed over the old. */
export function replaceSymlink(link: string, target: string): void {
  mkdirSync(dirname(link), { recursive: true });
  const tmp = `${link}.new-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, link);
}

/** Switches `current` to releases/<version> in one rename. */
export function switchCurrent(layout: BoxLayout, version: string): void {
  replaceSymlink(layout.current, join('releases', version));
}
