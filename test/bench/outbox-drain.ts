/**
 * Drain benchmark against a real Mosquitto on loopback. From a backlog of N readings (default
 * 1,000,000):
 *  - live lane (one reading per message, QoS 1) through the outbox, against plain mqtt.js QoS 1
 *    publishing of the same payloads with the same in-flight window (the baseline, same run);
 *  - history lane (batched `{readings: [...]}` messages);
 *  - peak RSS while draining.
 *
 *   node --disable-warning=ExperimentalWarning test/bench/outbox-drain.ts [readings] [inflight]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '../../gateway/log.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { toPayload, type NewReading } from '../../gateway/reading.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { OutboxDrainer } from '../helpers/outbox-drainer.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const inflight = Number(process.argv[3] ?? 100);
const historyBatch = 500;
const devices = 8;
const t0 = Date.UTC(2026, 10, 21);

function reading(i: number): NewReading {
  return {
    device: `canal-${i % devices}`,
    kind: 'flood-level',
    tsMs: t0 + i * 125,
    values: { level: Math.round(1200 + 300 * Math.sin(i / 5000)) / 1000, rate: Math.round(Math.cos(i / 700) * 100) / 1000, battery: 12.4 + (i % 7) / 10, signal: 60 + (i % 30) },
    units: { level: 'm', rate: 'm/h', battery: 'V', signal: '%' },
    quality: 'good',
  };
}

let peakRssBytes = 0;
const rssSampler = setInterval(() => {
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
}, 50);

function fill(dir: string): SqliteOutbox {
  const config = bufferSchema.parse({ minFreeDisk: 0, maxRows: 100_000_000, maxBytes: '8GB', drain: { historyBatch, inflight, messagesPerSecond: 1e9, bytesPerSecond: 1e12 } });
  const box = new SqliteOutbox({ config, dataDir: dir, log: silentLogger() });
  box.open();
  for (let start = 0; start < total; start += 5000) {
    for (let i = start; i < Math.min(total, start + 5000); i++) box.appendReading(reading(i));
    box.flush();
  }
  return box;
}

async function connect(url: string): Promise<MqttClient> {
  const client = mqtt.connect(url, { clientId: `bench-${process.pid}-${Math.random()}`, clean: true, reconnectPeriod: 0 });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

/** Drains the whole outbox through mqtt.js; `live` makes every row live, otherwise all are backlog. */
async function drainOutbox(box: SqliteOutbox, url: string, live: boolean): Promise<{ seconds: number; readings: number; messages: number; rssMb: number }> {
  const client = await connect(url);
  const drainer = new OutboxDrainer(box, client, 'citygw/bench-gw/', { historyBatch, inflight, messagesPerSecond: 1e9, bytesPerSecond: 1e12 });
  peakRssBytes = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    drainer.onIdle = () => {
      if (box.depth() === 0) resolve();
    };
    // Rows committed before the connection are backlog; for the live run count them all as live.
    if (live) drainer.liveSinceOverrideMs = 0;
    drainer.start();
  });
  const seconds = (performance.now() - started) / 1000;
  drainer.stop();
  box.flush();
  await client.endAsync();
  return { seconds, readings: drainer.acknowledgedReadings, messages: drainer.acknowledgedMessages, rssMb: peakRssBytes / 1024 ** 2 };
}

/** The baseline: plain mqtt.js, QoS 1, the same payloads and in-flight window, no storage. */
async function plainMqtt(url: string): Promise<{ seconds: number; rssMb: number }> {
  const client = await connect(url);
  const seqs = new Map<string, number>();
  peakRssBytes = 0;
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    let acked = 0;
    const publishOne = (): void => {
      if (next >= total) return;
      const r = reading(next++);
      const seq = (seqs.get(r.device) ?? 0) + 1;
      seqs.set(r.device, seq);
      client.publish(`citygw/bench-gw/devices/${r.device}/readings`, JSON.stringify(toPayload({ ...r, seq })), { qos: 1 }, (error) => {
        if (error) return reject(error);
        if (++acked === total) resolve();
        else publishOne();
      });
    };
    for (let i = 0; i < inflight; i++) publishOne();
  });
  const seconds = (performance.now() - started) / 1000;
  await client.endAsync();
  return { seconds, rssMb: peakRssBytes / 1024 ** 2 };
}

const broker = await startMosquitto();
const dir = mkdtempSync(join(tmpdir(), 'citygw-bench-drain-'));
try {
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10);
  process.stdout.write(`drain: backlog of ${total.toLocaleString('en-US')} 4-value readings, ${devices} devices, QoS 1 to Mosquitto on loopback, ${inflight} in flight\n`);

  // Baseline before and after the outbox's live run; the faster one counts (warm-up, neighbours).
  const firstBase = await plainMqtt(broker.url);
  let box = fill(join(dir, 'live'));
  const live = await drainOutbox(box, broker.url, true);
  box.close();
  const secondBase = await plainMqtt(broker.url);
  const base = firstBase.seconds <= secondBase.seconds ? firstBase : secondBase;
  process.stdout.write(`baseline plain mqtt.js QoS 1        ${fmt(total / base.seconds)} readings/s   (best of ${firstBase.seconds.toFixed(1)} s and ${secondBase.seconds.toFixed(1)} s, peak RSS ${base.rssMb.toFixed(0)} MB)\n`);
  const liveRatio = live.readings / live.seconds / (total / base.seconds);
  process.stdout.write(`outbox live lane (1 per message)    ${fmt(live.readings / live.seconds)} readings/s   (${live.seconds.toFixed(1)} s, ${live.messages.toLocaleString('en-US')} messages, peak RSS ${live.rssMb.toFixed(0)} MB)\n`);
  process.stdout.write(`live ratio: ${liveRatio.toFixed(2)} of baseline (target >= 0.80) ${liveRatio >= 0.8 ? 'OK' : 'BELOW TARGET'}\n`);

  box = fill(join(dir, 'history'));
  const history = await drainOutbox(box, broker.url, false);
  box.close();
  const historyRate = history.readings / history.seconds;
  process.stdout.write(`outbox history lane (${historyBatch} per message) ${fmt(historyRate)} readings/s   (${history.seconds.toFixed(1)} s, ${history.messages.toLocaleString('en-US')} messages, peak RSS ${history.rssMb.toFixed(0)} MB)\n`);
  process.stdout.write(`history: ${historyRate >= 100_000 ? 'OK' : 'BELOW TARGET'} (target >= 100,000 readings/s)\n`);
  if (live.readings !== total || history.readings !== total) process.stdout.write(`WARNING: acknowledged ${live.readings} live and ${history.readings} history readings of ${total}\n`);
  process.stdout.write(`peak RSS during the drains: live ${live.rssMb.toFixed(0)} MB, history ${history.rssMb.toFixed(0)} MB (baseline ${base.rssMb.toFixed(0)} MB)\n`);
} finally {
  clearInterval(rssSampler);
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
