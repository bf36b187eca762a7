import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cliPath, repoRoot } from '../helpers/cli.ts';

describe('citygw writing into a closed pipe (`citygw ... | head`)', () => {
  it('exits 0 quietly, without an EPIPE stack trace', async () => {
    const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', cliPath, 'help'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes away before the command has written anything, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
