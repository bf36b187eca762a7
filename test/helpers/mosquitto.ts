import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen } from './free-port.ts';

/** A Mosquitto broker started by a test, listening on 127.0.0.1 only. */
export interface RunningMosquitto {
  port: number;
  /** `mqtt://127.0.0.1:PORT` */
  url: string;
  /** Last lines Mosquitto wrote, for failure messages. */
  log(): string;
  /** Stops the broker (SIGTERM, then SIGKILL after a deadline); safe to call twice. */
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** A fixed port, e.g. to restart a broker where clients expect it; a free one by default. */
  port?: number;
  /**
   * Keep sessions and queued messages in this folder across a stop and start (a persistent
   * subscriber then misses nothing during a broker outage). Not removed by stop().
   */
  persistenceDir?: string;
  /** Extra mosquitto.conf lines. */
  extraConfig?: string[];
  /** How long to wait for the broker to accept connections. */
  startTimeoutMs?: number;
}

const mosquittoBin = process.env.CITYGW_MOSQUITTO ?? '/usr/sbin/mosquitto';

/**
 * Starts Debian's Mosquitto with a temp config (`listener PORT 127.0.0.1`, anonymous, no
 * persistence, no queue limits so a slow test subscriber loses nothing) and waits until it accepts
 * connections. Retries on another free port if the probed one was taken in between.
 */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<RunningMosquitto> {
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await startOn(port, options);
    } catch (error) {
      lastError = error instanceof Error ? error : new Error(String(error));
    }
  }
  throw lastError ?? new Error('mosquitto did not start');
}

async function startOn(port: number, options: MosquittoOptions): Promise<RunningMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-mosquitto-'));
  const conf = join(dir, 'mosquitto.conf');
  const persistence = options.persistenceDir ? ['persistence true', `persistence_location ${options.persistenceDir}/`] : ['persistence false'];
  const lines = [`listener ${port} 127.0.0.1`, 'allow_anonymous true', ...persistence, 'max_queued_messages 0', 'max_inflight_messages 0', 'log_dest stderr', 'log_type error', 'log_type warning', ...(options.extraConfig ?? [])];
  writeFileSync(conf, lines.join('\n') + '\n');
  const child: ChildProcess = spawn(mosquittoBin, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 10_000);
  while (Date.now() < deadline) {
    if (exited) break;
    if (await portOpen(port)) return { port, url: `mqtt://127.0.0.1:${port}`, log: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await stop();
  throw new Error(`mosquitto did not accept connections on port ${port}: ${output.trim() || 'no output'}`);
}
