import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * How this machine can run arm64 programs, for the emulated arm64 run of a release:
 * - `binfmt`: the kernel hands aarch64 executables to qemu-aarch64 (binfmt_misc), so the
 *   release's bin/citygw runs as it would on a box;
 * - `explicit`: binfmt_misc cannot be registered here (a container without the privilege), but
 *   `qemu-aarch64-static node ...` still runs the release's Node directly;
 * - or a reason why neither works.
 * arm64 glibc and libstdc++ come from Debian's arm64 packages (multiarch), so no sysroot is needed.
 */
export type Arm64Runner = { mode: 'binfmt' | 'explicit' } | { mode: 'none'; reason: string };

const binfmtEntry = '/proc/sys/fs/binfmt_misc/qemu-aarch64';

function binfmtEnabled(): boolean {
  try {
    return readFileSync(binfmtEntry, 'utf8').startsWith('enabled');
  } catch {
    return false;
  }
}

/** Registers qemu-aarch64 with binfmt_misc when we may (root, binfmt-support installed). */
function tryEnableBinfmt(): void {
  if (process.getuid?.() !== 0) return;
  if (!existsSync('/proc/sys/fs/binfmt_misc/register')) spawnSync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', '/proc/sys/fs/binfmt_misc'], { stdio: 'ignore' });
  if (!binfmtEnabled()) spawnSync('update-binfmts', ['--enable', 'qemu-aarch64'], { stdio: 'ignore' });
}

export function arm64Runner(): Arm64Runner {
  if (process.arch === 'arm64') return { mode: 'binfmt' };
  if (spawnSync('qemu-aarch64-static', ['--version'], { stdio: 'ignore' }).status !== 0) return { mode: 'none', reason: 'qemu-user-static is not installed (apt-get install qemu-user-static)' };
  if (!existsSync('/lib/ld-linux-aarch64.so.1') || !existsSync('/usr/lib/aarch64-linux-gnu/libstdc++.so.6')) {
    return { mode: 'none', reason: 'arm64 libc/libstdc++ missing (dpkg --add-architecture arm64; apt-get install libc6:arm64 libstdc++6:arm64)' };
  }
  tryEnableBinfmt();
  return { mode: binfmtEnabled() ? 'binfmt' : 'explicit' };
}

/** The command line that runs `citygw ARGS` of an unpacked arm64 release. */
export function arm64Command(runner: Arm64Runner, release: string, args: string[]): { command: string; args: string[] } {
  if (runner.mode === 'explicit') {
    return { command: 'qemu-aarch64-static', args: [`${release}/node/bin/node`, '--disable-warning=ExperimentalWarning', `${release}/gateway/cli.ts`, ...args] };
  }
  return { command: `${release}/bin/citygw`, args };
}
