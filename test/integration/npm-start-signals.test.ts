import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.ts';
import { freePort } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';

function hostNpm(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Every process below `pid` (children, grandchildren ...), read from /proc. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [child, ppid] of parentOf) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const npm = hostNpm();
const skipReason = npm === null ? 'no npm on this machine' : null;

describe('npm start stopped with SIGTERM to npm itself', () => {
  const title = 'stops the whole tree in order: launcher, gateway and the simulated serial lines';
  it.skipIf(skipReason !== null)(skipReason ? `${title} (SKIPPED: ${skipReason})` : title, async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'citygw-npm-start-'));
    const child = spawn(npm!, ['start', '--silent', '--', '--port', String(port), '--data', dataDir], { cwd: repoRoot, env: { ...process.env, CITYGW_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      await waitFor('the demo banner', () => output.includes('city-gateway demo is running.'), 60_000);
      const tree = descendants(child.pid!);
      // npm, the launcher, the gateway and the socat pty pairs of the simulated serial lines.
      expect(tree.length).toBeGreaterThanOrEqual(3);
      child.kill('SIGTERM');
      await waitFor('every process of the tree to end', () => tree.every((pid) => !alive(pid)), 20_000).catch((error: unknown) => {
        const left = tree.filter(alive).map((pid) => `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
        for (const pid of tree.filter(alive)) process.kill(pid, 'SIGKILL');
        throw new Error(`${String(error)}; still running: ${left.join('; ')}`);
      });
      // In order: the gateway said it stopped (outbox flushed, status offline).
      expect(output).toContain('gateway stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
