import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, waitForExit } from '../helpers/cli.ts';
import { waitFor } from '../helpers/free-port.ts';

const fakeSocketScript = fileURLToPath(new URL('../helpers/notify-socket.py', import.meta.url));
const haveNotify = spawnSync('systemd-notify', ['--help'], { stdio: 'ignore' }).status === 0;
if (!haveNotify) process.stderr.write('SKIPPED systemd notify protocol: systemd-notify is not installed (apt-get install systemd)\n');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages received on the fake notify socket, with the receiver's monotonic time. */
interface Message {
  atMs: number;
  text: string;
}

describe.skipIf(!haveNotify)('systemd notify protocol (Type=notify, WatchdogSec) against a fake NOTIFY_SOCKET', () => {
  let dir: string;
  let listener: ChildProcess;
  const messages: Message[] = [];
  let gw: ReturnType<typeof spawnCli>;
  const watchdogMs = 1000;

  /** A datagram carries several assignments (`READY=1 STATUS=...`), in the sender's order. */
  const has = (m: Message, assignment: string) => m.text.split(' ').includes(assignment);
  const pings = (fromMs: number, toMs = Number.POSITIVE_INFINITY) => messages.filter((m) => has(m, 'WATCHDOG=1') && m.atMs >= fromMs && m.atMs < toMs);
  const lastAtMs = () => messages.at(-1)?.atMs ?? 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citygw-notify-'));
    const socketPath = join(dir, 'notify.sock');
    listener = spawn('/usr/bin/python3', [fakeSocketScript, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines = createInterface({ input: listener.stdout! });
    let listening = false;
    lines.on('line', (line) => {
      if (line === 'LISTENING') listening = true;
      const m = /^(\d+) (.*)$/.exec(line);
      if (m) messages.push({ atMs: Number(m[1]), text: m[2]! });
    });
    await waitFor('the fake notify socket', () => listening, 10_000);
    const config = join(dir, 'citygw.yaml');
    writeFileSync(config, `gateway:\n  id: notify-box\n  dataDir: ${join(dir, 'data')}\nflows:\n  enabled: false\ndevices: []\n`);
    // WATCHDOG_USEC as systemd sets it (2 s): pings are due every second.
    gw = spawnCli(['run', '--config', config], { NOTIFY_SOCKET: socketPath, WATCHDOG_USEC: String(watchdogMs * 2000) });
  }, 30_000);

  afterAll(async () => {
    if (gw && gw.exitCode === null) {
      gw.kill('SIGCONT');
      gw.kill('SIGKILL');
    }
    listener?.kill('SIGTERM');
  });

  it('says READY=1 once the gateway runs (outbox open, drivers started)', async () => {
    await waitFor('READY=1', () => messages.some((m) => has(m, 'READY=1')), 30_000);
    expect(gw.output()).toContain('"gateway running"');
    expect(messages.find((m) => has(m, 'READY=1'))!.text).toContain('STATUS=gateway notify-box running');
  }, 40_000);

  it('pings WATCHDOG=1 at about half the watchdog interval', async () => {
    const fromMs = lastAtMs();
    await waitFor('five pings', () => pings(fromMs).length >= 5, 15_000);
    const times = pings(fromMs).map((m) => m.atMs);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
    // Half of WatchdogSec is 1 s; generous bounds, the machine may be busy.
    expect(median).toBeGreaterThan(watchdogMs * 0.5);
    expect(median).toBeLessThan(watchdogMs * 1.9);
  }, 20_000);

  it('a wedged event loop sends no pings; they resume when it runs again', async () => {
    await waitFor('a ping', () => pings(lastAtMs() - 1).length > 0, 5000);
    // SIGSTOP freezes the whole process, its event loop included, as a hung loop would.
    gw.kill('SIGSTOP');
    await sleep(300);
    const frozenFromMs = lastAtMs();
    await sleep(watchdogMs * 4);
    const frozenToMs = frozenFromMs + watchdogMs * 4;
    expect(pings(frozenFromMs + 1, frozenToMs)).toEqual([]);
    gw.kill('SIGCONT');
    await waitFor('pings to resume', () => pings(frozenToMs).length >= 2, 10_000);
  }, 30_000);

  it('no pings while the outbox cannot commit (file locked by another process)', async () => {
    const db = join(dir, 'data', 'outbox.db');
    const lockMs = watchdogMs * 8;
    // Another process holds the write lock: the gateway's commits wait out their busy timeout and fail.
    const locker = spawn('/usr/bin/python3', ['-c', `import sqlite3,time,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('BEGIN EXCLUSIVE')\nprint('LOCKED',flush=True)\ntime.sleep(${lockMs / 1000})\nc.execute('ROLLBACK')`, db], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let locked = false;
    locker.stdout!.on('data', (d: Buffer) => (locked ||= d.toString().includes('LOCKED')));
    await waitFor('the lock', () => locked, 10_000);
    // A ping already on its way may still land; after the busy timeout none may.
    await sleep(6000);
    const quietFromMs = lastAtMs();
    await sleep(1500);
    expect(pings(quietFromMs + 1)).toEqual([]);
    expect(gw.output()).toContain('not pinging the service watchdog');
    await waitForExit(locker, lockMs + 5000);
    await waitFor('pings to resume after the lock', () => pings(quietFromMs + 1).length >= 1, 15_000);
    expect(gw.output()).toContain('watchdog pings resume');
  }, 45_000);

  it('says STOPPING=1 on a clean stop and exits 0', async () => {
    gw.kill('SIGTERM');
    expect(await waitForExit(gw, 20_000)).toBe(0);
    await waitFor('STOPPING=1', () => messages.some((m) => has(m, 'STOPPING=1')), 5000);
  }, 30_000);
});
