import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.ts';

describe('the installed citygw command (deploy/install/citygw)', () => {
  it('runs the installed copy from any folder, with no npm or npx on the PATH', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'citygw-elsewhere-'));
    // Only the folder of a node binary and the system tools: npx could not be found even if it were tried.
    const path = `${dirname(process.execPath)}:/usr/sbin:/usr/bin:/sbin:/bin`;
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile('sh', [join(repoRoot, 'deploy/install/citygw'), 'version'], { cwd: elsewhere, env: { PATH: path, CITYGW_HOME: repoRoot, HOME: elsewhere }, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
      );
    });
    expect(result.stderr).not.toMatch(/npm|npx/);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.code).toBe(0);
  });
});
