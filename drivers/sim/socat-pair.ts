import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

// The one pty helper: simulated serial lines for the demo, the tests and the tools.

/**
 * A virtual null-modem cable: `socat` joins two ptys and links them at two stable paths. The
 * simulator opens one end, the gateway the other. `unplug()` kills socat (both ptys vanish, as a
 * USB adapter does), `plug()` starts it again on the same paths.
 */
export interface SocatPair {
  /** The end the gateway opens (what a real config's `port` would be). */
  readonly gatewayPath: string;
  /** The end the simulated device opens. */
  readonly devicePath: string;
  unplug(): Promise<void>;
  plug(): Promise<void>;
  stop(): Promise<void>;
}

const startDeadlineMs = 5000;

async function waitFor(check: () => boolean, deadlineMs: number, what: string): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > until) throw new GatewayError(ErrorCodes.Timeout, `${what} within ${deadlineMs} ms`);
    await sleep(20);
  }
}

/** Starts socat with links `${base}-gw` and `${base}-dev`; needs the `socat` Debian package. */
export async function startSocatPair(base: string): Promise<SocatPair> {
  const gatewayPath = `${base}-gw`;
  const devicePath = `${base}-dev`;
  let proc: ChildProcess | null = null;

  const plug = async (): Promise<void> => {
    if (proc) return;
    // Its own process group: a terminal's Ctrl-C reaches the demo, which then stops the gateway
    // before the simulated lines, instead of every socat dying first under the gateway's feet.
    const child = spawn('socat', [`pty,raw,echo=0,link=${devicePath}`, `pty,raw,echo=0,link=${gatewayPath}`], { stdio: 'ignore', detached: true });
    proc = child;
    const killOnExit = (): void => {
      if (child.exitCode === null) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const failed = new Promise<never>((_, reject) => child.once('error', (e) => reject(new GatewayError(ErrorCodes.ServiceFailed, `cannot start socat: ${e.message}`, { cause: e }))));
    failed.catch(() => undefined);
    await Promise.race([waitFor(() => existsSync(gatewayPath) && existsSync(devicePath), startDeadlineMs, 'socat did not create its ptys'), failed]);
  };

  const unplug = async (): Promise<void> => {
    const child = proc;
    proc = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(startDeadlineMs)]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await waitFor(() => !existsSync(gatewayPath), startDeadlineMs, 'socat did not remove its links');
  };

  await plug();
  return { gatewayPath, devicePath, plug, unplug, stop: unplug };
}

/** Two linked pseudo-terminals in a fresh temporary folder: `a` for the gateway, `b` for the device. */
export interface PtyPair {
  /** The gateway's end. */
  a: string;
  /** The device's (or simulator's) end. */
  b: string;
  stop(): Promise<void>;
}

/** A socat pair in its own temporary folder (removed by `stop()`), for tests and tools. */
export async function openPtyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-pty-'));
  try {
    const pair = await startSocatPair(join(dir, 'line'));
    return {
      a: pair.gatewayPath,
      b: pair.devicePath,
      async stop() {
        await pair.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
