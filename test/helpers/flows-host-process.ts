import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFlowsDir } from '../../gateway/flows-host/host.ts';
import type { AlertInput } from '../../core/alert.ts';
import type { Reading } from '../../core/reading.ts';
import type { FlowsChildCommand, FlowsChildEvent, FlowsChildOptions } from './flows-host-protocol.ts';

const childScript = fileURLToPath(new URL('./flows-host-child.ts', import.meta.url));

/**
 * One flows child process (real FlowsHost + Node-RED) and everything it reported. Every wait has
 * a deadline; `stop()` ends the child, `kill()` is for afterAll.
 */
export class FlowsHostProcess {
  readonly events: FlowsChildEvent[] = [];
  readonly #child: ChildProcess;
  readonly #stderr: string[] = [];
  #exited: Promise<number | null>;
  #waiters = new Set<() => void>();
  editorUrl: string | null = null;
  userDir = '';

  constructor(options: FlowsChildOptions) {
    this.#child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', childScript, JSON.stringify(options)], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env },
    });
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderr.push(chunk);
      this.#notify();
    });
    this.#child.on('message', (event) => {
      this.events.push(event as FlowsChildEvent);
      this.#notify();
    });
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => {
      this.#notify();
      resolve(code);
    }));
  }

  #notify(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Everything the child logged (JSON lines), for failure messages. */
  get stderr(): string {
    return this.#stderr.join('');
  }

  /** Waits until `pick` finds something in the events, or fails after `timeoutMs`. */
  async waitFor<T>(what: string, pick: (events: FlowsChildEvent[]) => T | undefined, timeoutMs = 15_000): Promise<T> {
    const found = pick(this.events);
    if (found !== undefined) return found;
    return new Promise<T>((resolve, reject) => {
      const check = (): void => {
        const value = pick(this.events);
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (this.#child.exitCode !== null) {
          done();
          reject(new Error(`flows child exited (${this.#child.exitCode}) while waiting for ${what}\n${this.stderr.slice(-4000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.stderr.slice(-4000)}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  async ready(): Promise<void> {
    const event = await this.waitFor('ready', (events) => events.find((e) => e.type === 'ready' || e.type === 'failed'), 30_000);
    if (event.type === 'failed') throw new Error(`flows child failed to start: ${event.message}\n${this.stderr.slice(-4000)}`);
    if (event.type === 'ready') {
      this.editorUrl = event.editorUrl;
      this.userDir = event.userDir;
    }
  }

  send(command: FlowsChildCommand): void {
    this.#child.send(command);
  }

  reading(reading: Reading): void {
    this.send({ type: 'reading', reading });
  }

  alerts(): AlertInput[] {
    return this.events.flatMap((e) => (e.type === 'alert' ? [e.alert] : []));
  }

  writes(): Array<Extract<FlowsChildEvent, { type: 'write' }>> {
    return this.events.flatMap((e) => (e.type === 'write' ? [e] : []));
  }

  outputs(nodeId: string): Array<Extract<FlowsChildEvent, { type: 'flow-output' }>> {
    return this.events.flatMap((e) => (e.type === 'flow-output' && e.node === nodeId ? [e] : []));
  }

  /** Waits for the n-th alert (1-based) matching `match`. */
  waitForAlert(what: string, match: (alert: AlertInput) => boolean, count = 1, timeoutMs?: number): Promise<AlertInput> {
    return this.waitFor(what, () => this.alerts().filter(match)[count - 1], timeoutMs);
  }

  /** Asks the simulated field side for a device's point values (what the writes left there). */
  async points(device: string): Promise<Record<string, number | boolean>> {
    const before = this.events.length;
    this.send({ type: 'points', device });
    return this.waitFor(`points of ${device}`, (events) => {
      const event = events.slice(before).find((e) => e.type === 'points' && e.device === device);
      return event?.type === 'points' ? event.points : undefined;
    });
  }

  /** Stops Node-RED cleanly (flushes context, closes the editor) and waits for the exit code. */
  async stop(timeoutMs = 15_000): Promise<number | null> {
    if (this.#child.exitCode !== null) return this.#child.exitCode;
    this.send({ type: 'stop' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.#exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }
}

/** A flow node as it is stored in flows.json. */
export type FlowNodeJson = Record<string, unknown> & { id: string; type: string };

/** Writes a flows file into a data folder before the first start (what a deploy leaves there). */
export function seedFlows(dataDir: string, nodes: FlowNodeJson[], userDir = 'node-red'): void {
  mkdirSync(join(dataDir, userDir), { recursive: true });
  writeFileSync(join(dataDir, userDir, 'flows.json'), JSON.stringify(nodes, null, 2));
}

/** The shipped flow `name` with some of its tab's environment variables changed (as a technician would in the editor). */
export function shippedFlowWithEnv(name: string, env: Record<string, string | number>): FlowNodeJson[] {
  const nodes = JSON.parse(readFileSync(join(defaultFlowsDir, `${name}.json`), 'utf8')) as FlowNodeJson[];
  const tab = nodes.find((n) => n.type === 'tab');
  if (!tab) throw new Error(`${name} has no tab`);
  const entries = tab.env as Array<{ name: string; value: string; type: string }>;
  for (const [key, value] of Object.entries(env)) {
    const entry = entries.find((e) => e.name === key);
    if (!entry) throw new Error(`${name} has no environment variable ${key}`);
    entry.value = String(value);
  }
  return nodes;
}

const tempDirs: string[] = [];

/** Removes the data folders made by `tempDataDir` (call in afterAll, after the children stopped). */
export function removeTempDataDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A temporary data folder per test; `removeTempDataDirs` removes them. */
export function tempDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `citygw-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}
