import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

/** Two linked pseudo-terminals: bytes written to one come out of the other, like a null-modem cable. */
export interface PtyPair {
  /** The gateway's end. */
  a: string;
  /** The device's (or simulator's) end. */
  b: string;
  stop(): Promise<void>;
}

/** Starts `socat` with two raw ptys; needs the socat package. Resolves once both ends exist. */
export async function openPtyPair(deadlineMs = 5000): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-pty-'));
  const a = join(dir, 'gateway');
  const b = join(dir, 'device');
  const proc: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  let failed: Error | undefined;
  proc.once('error', (error) => {
    failed = error;
  });
  const until = Date.now() + deadlineMs;
  while (!(existsSync(a) && existsSync(b))) {
    if (failed) throw new GatewayError(ErrorCodes.PortNotFound, `cannot start socat (install the socat package): ${failed.message}`, { cause: failed });
    if (Date.now() > until || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new GatewayError(ErrorCodes.PortNotFound, `socat did not create a pty pair within ${deadlineMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    a,
    b,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
        proc.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2000))]);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
