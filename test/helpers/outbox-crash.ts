import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import type { ReadingPayload } from '../../core/reading.ts';
import type { PumpSettings } from './outbox-pump.ts';
import type { SeededRandom } from './seeded-random.ts';

const pumpScript = join(import.meta.dirname, 'outbox-pump.ts');

/** A running pump child (see outbox-pump.ts). */
export interface Pump {
  child: ChildProcess;
  /** Resolves with the exit code or signal name. */
  exited: Promise<string>;
  /** Resolves when the pump printed this line (rejects after the deadline or on exit). */
  waitFor(line: string, timeoutMs: number): Promise<void>;
}

export function startPump(settings: PumpSettings): Pump {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', pumpScript], {
    env: { ...process.env, CITYGW_PUMP: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: Array<() => void> = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of waiters.splice(0)) w();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err = (err + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => {
    resolve(signal ?? String(code));
    for (const w of waiters.splice(0)) w();
  }));
  const waitFor = (line: string, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error(`pump did not print "${line}" within ${timeoutMs} ms; stderr: ${err}`)), timeoutMs);
      const check = (): void => {
        if (out.split('\n').includes(line)) {
          clearTimeout(deadline);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(deadline);
          reject(new Error(`pump exited (${child.exitCode ?? child.signalCode}) before "${line}"; stderr: ${err}`));
        } else waiters.push(check);
      };
      check();
    });
  return { child, exited, waitFor };
}

/** Everything a subscriber saw, in arrival order. */
export interface Received {
  topic: string;
  payload: string;
}

/**
 * Subscribes to `citygw/{gatewayId}/#` at QoS 1 and records every message. `persistent` uses a
 * broker-side session (clean: false), so messages published while it reconnects are queued.
 */
export async function recordAll(url: string, gatewayId: string, persistent = false): Promise<{ client: MqttClient; received: Received[] }> {
  const received: Received[] = [];
  const client = mqtt.connect(url, { clientId: `recorder-${process.pid}-${gatewayId}`, clean: !persistent, reconnectPeriod: 100 });
  client.on('message', (topic, payload) => received.push({ topic, payload: payload.toString() }));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('recorder could not connect')), 10_000);
    client.once('connect', () => {
      client.subscribe(`citygw/${gatewayId}/#`, { qos: 1 }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });
  });
  return { client, received };
}

/** Last committed seq per device, read from the outbox file after the pump is gone. */
export function lastSeqs(dbPath: string): Map<string, number> {
  const db = new BetterSqlite3(dbPath, { readonly: true, fileMustExist: true });
  try {
    return new Map(db.prepare<[], { name: string; last_seq: number }>('SELECT name, last_seq FROM devices').all().map((r) => [r.name, r.last_seq]));
  } finally {
    db.close();
  }
}

export interface DeliveryReport {
  problems: string[];
  readings: number;
  duplicates: number;
  missing: number;
}

/** Readings per (device, seq) with their exact JSON, from live and history messages. */
function readingsOf(received: Received[]): Array<{ device: string; lane: string; seq: number; json: string }> {
  const out: Array<{ device: string; lane: string; seq: number; json: string }> = [];
  for (const { topic, payload } of received) {
    const parts = topic.split('/');
    if (parts[2] !== 'devices') continue;
    const lane = parts[4]!;
    const body = JSON.parse(payload) as ReadingPayload | { readings: ReadingPayload[] };
    const readings = 'readings' in body ? body.readings : [body];
    for (const r of readings) out.push({ device: r.device, lane, seq: r.seq, json: JSON.stringify(r) });
  }
  return out;
}

/**
 * The promise under test: every committed reading (seq 1..last per device) arrived at least once,
 * nothing else did, a repeat is identical to the first copy, and per device and lane the first
 * copies arrived in seq order.
 */
export function checkDelivery(received: Received[], committed: Map<string, number>): DeliveryReport {
  const problems: string[] = [];
  const firstCopy = new Map<string, string>();
  const lastFirstSeq = new Map<string, number>();
  let duplicates = 0;
  let readings = 0;
  for (const r of readingsOf(received)) {
    readings++;
    const key = `${r.device}#${r.seq}`;
    const seen = firstCopy.get(key);
    if (seen !== undefined) {
      duplicates++;
      if (seen !== r.json) problems.push(`${key} arrived twice with different content`);
      continue;
    }
    firstCopy.set(key, r.json);
    const laneKey = `${r.device}/${r.lane}`;
    const prev = lastFirstSeq.get(laneKey) ?? 0;
    if (r.seq <= prev) problems.push(`${laneKey}: seq ${r.seq} arrived after ${prev}`);
    lastFirstSeq.set(laneKey, r.seq);
    const last = committed.get(r.device);
    if (last === undefined || r.seq > last) problems.push(`${key} arrived but was never committed (last ${last})`);
  }
  let missing = 0;
  for (const [device, last] of committed) {
    for (let seq = 1; seq <= last; seq++) {
      if (!firstCopy.has(`${device}#${seq}`)) {
        if (missing < 10) problems.push(`${device}#${seq} was committed but never arrived`);
        missing++;
      }
    }
  }
  return { problems, readings, duplicates, missing };
}

export interface CrashRunOptions {
  url: string;
  dataDir: string;
  gatewayId: string;
  kills: number;
  /** Random run time before each kill. */
  minRunMs: number;
  maxRunMs: number;
  readingsPerSecond: number;
  devices: number;
  /** `buffer` settings of the writing runs; draining runs lift the drain budget to drain fast. */
  buffer?: { commitInterval?: string; drain?: Record<string, number> };
  /** Called after each kill (for the soak's progress line). */
  onKill?: (n: number, mode: string) => void;
  /** Where the kill moments come from (seeded, so a failing run can be replayed). */
  random: SeededRandom;
}

/**
 * Kills the pump with SIGKILL `kills` times at random moments, alternating runs that write and
 * drain with runs that only drain a backlog, then drains to empty. Returns the committed seqs.
 */
export async function crashRuns(options: CrashRunOptions): Promise<Map<string, number>> {
  const base = { dataDir: options.dataDir, url: options.url, gatewayId: options.gatewayId, devices: options.devices };
  const fastDrain = { ...options.buffer, drain: { ...options.buffer?.drain, messagesPerSecond: 1_000_000, bytesPerSecond: 1e10 } };
  for (let n = 0; n < options.kills; n++) {
    const drainOnly = n % 3 === 2;
    const pump = startPump({ ...base, buffer: drainOnly ? fastDrain : options.buffer, readingsPerSecond: drainOnly ? 0 : options.readingsPerSecond, drainOnly });
    await pump.waitFor('ready', 20_000);
    const runMs = options.random.ms(options.minRunMs, options.maxRunMs);
    await new Promise((resolve) => setTimeout(resolve, runMs));
    pump.child.kill('SIGKILL');
    await pump.exited;
    options.onKill?.(n + 1, drainOnly ? 'draining' : 'writing+draining');
  }
  const final = startPump({ ...base, buffer: fastDrain, readingsPerSecond: 0, drainOnly: true });
  await final.waitFor('drained', 120_000);
  await final.exited;
  return lastSeqs(join(options.dataDir, 'outbox.db'));
}
