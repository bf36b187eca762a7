import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './free-port.ts';

export interface MosquittoBroker {
  port: number;
  url: string;
  /** Stops the broker (SIGTERM, then SIGKILL). It can be started again on the same port. */
  stop(): Promise<void>;
  /** Starts it again on the same port after stop(). */
  restart(): Promise<void>;
}

const MOSQUITTO = '/usr/sbin/mosquitto';

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * A real Mosquitto (Debian package) on a loopback port, with its own config in a temp folder:
 * anonymous, no persistence, so a restart starts empty like a broker that lost its state.
 */
export async function startMosquitto(options: { port?: number; listenerLines?: string[] } = {}): Promise<MosquittoBroker> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'citygw-mosquitto-'));
  const configFile = join(dir, 'mosquitto.conf');
  writeFileSync(configFile, [`listener ${port} 127.0.0.1`, ...(options.listenerLines ?? []), 'allow_anonymous true', 'persistence false', 'max_inflight_messages 0', 'max_queued_messages 0', 'log_dest none', ''].join('\n'));
  let child: ChildProcess | null = null;

  const start = async () => {
    child = spawn(MOSQUITTO, ['-c', configFile], { stdio: 'ignore' });
    const started = child;
    await waitFor(`mosquitto on port ${port}`, async () => {
      if (started.exitCode !== null) throw new Error(`mosquitto exited with ${started.exitCode}`);
      return portOpen(port);
    }, 10_000);
  };

  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return { port, url: `mqtt://127.0.0.1:${port}`, stop, restart: start };
}
