import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const script = fileURLToPath(new URL('../fixtures/modbus_peer.py', import.meta.url));

export type PeerTables = { hr?: Record<number, number>; ir?: Record<number, number>; co?: Record<number, boolean>; di?: Record<number, boolean> };

/** A pymodbus slave (RTU on a pty, or TCP on loopback) run as a child process. */
export interface PymodbusPeer {
  port: number;
  /** Delays every reply of `unit` by `seconds` (0 to stop). */
  delay(unit: number, seconds: number): Promise<void>;
  set(unit: number, table: 'hr' | 'ir' | 'co' | 'di', address: number, values: (number | boolean)[]): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the peer; resolves once it serves (bounded by `deadlineMs`). */
export async function startPymodbus(spec: { mode: 'tcp' } | { mode: 'rtu'; port: string; baud?: number }, slaves: Record<number, PeerTables>, deadlineMs = 15_000): Promise<PymodbusPeer> {
  const proc: ChildProcessWithoutNullStreams = spawn('/usr/bin/python3', [script, JSON.stringify({ ...spec, slaves })], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const lines = createInterface({ input: proc.stdout });
  const waiting: ((line: string) => void)[] = [];
  const backlog: string[] = [];
  lines.on('line', (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else backlog.push(line);
  });
  const nextLine = (ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const early = backlog.shift();
      if (early !== undefined) return resolve(early);
      const timer = setTimeout(() => reject(new Error(`pymodbus peer did not answer within ${ms} ms; stderr: ${stderr}`)), ms);
      const onExit = (): void => reject(new Error(`pymodbus peer exited (${proc.exitCode}); stderr: ${stderr}`));
      proc.once('exit', onExit);
      waiting.push((line) => {
        clearTimeout(timer);
        proc.off('exit', onExit);
        resolve(line);
      });
    });
  const ready = await nextLine(deadlineMs).catch((error: unknown) => {
    proc.kill('SIGKILL');
    throw error;
  });
  const match = /^READY (\d+)$/.exec(ready);
  if (!match) {
    proc.kill('SIGKILL');
    throw new Error(`unexpected first line from pymodbus peer: ${ready}`);
  }
  const command = async (cmd: unknown): Promise<void> => {
    proc.stdin.write(`${JSON.stringify(cmd)}\n`);
    const line = await nextLine(5000);
    if (line !== 'OK') throw new Error(`pymodbus peer answered ${line}`);
  };
  return {
    port: Number(match[1]),
    delay: (unit, seconds) => command({ delay: { unit, s: seconds } }),
    set: (unit, table, address, values) => command({ set: { unit, table, address, values } }),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.stdin.end();
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
