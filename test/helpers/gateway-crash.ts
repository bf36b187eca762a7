import type { ReadingPayload } from '../../core/reading.ts';
import type { StreamCounters } from '../../gateway/outbox/types.ts';
import type { Received } from './outbox-crash.ts';

/** One `citygw run` config for the crash test: `devices` radar units spread over Modbus TCP endpoints. */
export function crashConfig(options: { gatewayId: string; brokerUrl: string; endpoints: Array<{ port: number; units: number[] }>; withDevices: boolean }): string {
  const buses = options.endpoints.map((e, i) => `  - id: plc${i}\n    type: modbus-tcp\n    host: 127.0.0.1\n    port: ${e.port}\n`).join('');
  const devices = options.endpoints
    .flatMap((e, i) => e.units.map((unit) => `  - id: ${deviceId(i, unit)}\n    driver: modbus\n    bus: plc${i}\n    unit: ${unit}\n    profile: radar-level-ld8001h\n    interval: 50ms\n`))
    .join('');
  return `gateway:
  id: ${options.gatewayId}
  dataDir: ./data
  healthInterval: 1s
uplink:
  url: ${options.brokerUrl}
  reconnectMin: 100ms
  reconnectMax: 400ms
buffer:
  commitInterval: 30ms
  drain:
    messagesPerSecond: 250
    historyBatch: 5
    inflight: 20
${options.withDevices ? `buses:\n${buses}devices:\n${devices}` : 'devices: []\n'}`;
}

/** The device id the config gives unit `unit` on endpoint `endpoint`. */
export function deviceId(endpoint: number, unit: number): string {
  return `radar-${endpoint}-${unit}`;
}

interface SeenReading {
  device: string;
  topic: string;
  seq: number;
  json: string;
}

function readingsIn(received: Received[]): SeenReading[] {
  const out: SeenReading[] = [];
  for (const { topic, payload } of received) {
    if (!topic.includes('/devices/')) continue;
    const body = JSON.parse(payload) as ReadingPayload | { readings: ReadingPayload[] };
    for (const r of 'readings' in body ? body.readings : [body]) out.push({ device: r.device, topic, seq: r.seq, json: JSON.stringify(r) });
  }
  return out;
}

/** Distinct seqs received per device. */
export function distinctSeqs(received: Received[]): Map<string, Set<number>> {
  const out = new Map<string, Set<number>>();
  for (const r of readingsIn(received)) {
    const seqs = out.get(r.device) ?? new Set<number>();
    seqs.add(r.seq);
    out.set(r.device, seqs);
  }
  return out;
}

export interface PromiseReport {
  problems: string[];
  readings: number;
  repeats: number;
}

/**
 * The outbox promise, checked against what a subscriber received and the persisted counters: per
 * device, the distinct seqs received number `stored - evicted - expired` (seq may have gaps after a
 * crash, so contiguity is not checked); a repeat of (device, seq) is identical to its first copy;
 * per device and topic the first copies arrive in increasing seq order.
 */
export function checkPromise(received: Received[], streams: Record<string, StreamCounters>, devices: string[]): PromiseReport {
  const problems: string[] = [];
  const first = new Map<string, string>();
  const lastFirstSeq = new Map<string, number>();
  let readings = 0;
  let repeats = 0;
  for (const r of readingsIn(received)) {
    readings++;
    const key = `${r.device}#${r.seq}`;
    const seen = first.get(key);
    if (seen !== undefined) {
      repeats++;
      if (seen !== r.json) problems.push(`${key} arrived twice with different content`);
      continue;
    }
    first.set(key, r.json);
    const prev = lastFirstSeq.get(r.topic) ?? 0;
    if (r.seq <= prev) problems.push(`${r.topic}: seq ${r.seq} arrived after ${prev}`);
    lastFirstSeq.set(r.topic, r.seq);
  }
  const seqs = distinctSeqs(received);
  for (const device of devices) {
    const c = streams[device];
    if (!c) {
      problems.push(`${device}: no counters in the outbox`);
      continue;
    }
    const expected = c.stored - c.evicted - c.expired;
    const got = seqs.get(device)?.size ?? 0;
    if (got !== expected) problems.push(`${device}: ${got} distinct seqs received, stored ${c.stored} - evicted ${c.evicted} - expired ${c.expired} = ${expected}`);
    if (c.depth !== 0) problems.push(`${device}: ${c.depth} rows still waiting`);
  }
  return { problems, readings, repeats };
}
