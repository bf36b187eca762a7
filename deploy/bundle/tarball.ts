import { execFileSync } from 'node:child_process';
import { closeSync, openSync, renameSync } from 'node:fs';

/**
 * Packs `dir` (a folder inside `parent`) into a gzip'd tar that depends only on the files'
 * contents, names and executable bits: entries sorted by name, one fixed time (`mtimeS`), owner
 * root, modes normalised, and gzip without a name or time stamp. GNU tar and gzip (Debian's) are
 * used: they are on every build machine and their deterministic options are well known.
 */
export function packDeterministic(options: { parent: string; dir: string; mtimeS: number; out: string; gzipLevel?: number }): void {
  const tmp = `${options.out}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    // `tar | gzip -n`, with the archive's bytes never passing through this process.
    execFileSync(
      'bash',
      [
        '-o',
        'pipefail',
        '-c',
        'tar --sort=name --format=gnu --mtime="@$1" --owner=0 --group=0 --numeric-owner --mode="u+rw,go-w,a+rX" -C "$2" -cf - "$3" | gzip "-$4" -n',
        'pack',
        String(options.mtimeS),
        options.parent,
        options.dir,
        String(options.gzipLevel ?? 6),
      ],
      { stdio: ['ignore', fd, 'inherit'], env: { ...process.env, LC_ALL: 'C', GZIP: '' } },
    );
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, options.out);
}
