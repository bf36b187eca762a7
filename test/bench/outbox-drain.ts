/**
 * Drain benchmark against a real Mosquitto on loopback. From a backlog of N readings (default
 * 1,000,000):
 *  - live lane (one reading per message, QoS 1): the gateway's MqttUplink draining the outbox
 *    (`uplink.backlog: live`), against plain mqtt.js QoS 1 publishing of the same payloads with the
 *    same in-flight window (the baseline, same run, alternating: baseline, gateway, baseline, gateway);
 *  - history lane (batched `{readings: [...]}` messages): the MqttUplink in a fresh process that
 *    opens the backlog file, as a gateway does after a restart, so its peak RSS is the drain's own.
 *
 *   node --disable-warning=ExperimentalWarning test/bench/outbox-drain.ts [readings] [inflight]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { silentLogger } from '../../core/log.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { toPayload, type NewReading } from '../../core/reading.ts';
import { uplinkSchema } from '../../gateway/uplink/config-schema.ts';
import { MqttUplink } from '../../gateway/uplink/mqtt-uplink.ts';
import { topicSet } from '../../gateway/uplink/topics.ts';
import { startMosquitto } from '../helpers/mosquitto.ts';
import { benchReading } from '../helpers/outbox-fixtures.ts';

const total = Number(process.argv[2] ?? 1_000_000);
const inflight = Number(process.argv[3] ?? 100);
const historyBatch = 500;
const devices = 8;

function reading(i: number): NewReading {
  return benchReading(i, devices);
}

let peakRssBytes = 0;
const rssSampler = setInterval(() => {
  peakRssBytes = Math.max(peakRssBytes, process.memoryUsage.rss());
}, 50);

function fill(dir: string, count: number = total): SqliteOutbox {
  const config = bufferSchema.parse({ minFreeDisk: 0, maxRows: 100_000_000, maxBytes: '8GB', drain: { historyBatch, inflight, messagesPerSecond: 1e9, bytesPerSecond: 1e12 } });
  const box = new SqliteOutbox({ config, dataDir: dir, log: silentLogger() });
  box.open();
  for (let start = 0; start < count; start += 5000) {
    for (let i = start; i < Math.min(count, start + 5000); i++) box.appendReading(reading(i));
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

/** Drains the whole outbox with the gateway's MqttUplink; resolves when every row is acknowledged. */
async function drainWithUplink(box: SqliteOutbox, url: string, backlog: 'live' | 'history'): Promise<{ seconds: number; messages: number; rssMb: number; rssAtOpenMb: number }> {
  const rssAtOpenMb = process.memoryUsage.rss() / 1024 ** 2;
  const uplink = new MqttUplink({
    config: uplinkSchema.parse({ url, backlog }),
    drain: bufferSchema.parse({ drain: { historyBatch, inflight, messagesPerSecond: 1e9, bytesPerSecond: 1e12 } }).drain,
    clientId: `bench-uplink-${process.pid}-${backlog}`,
    topics: topicSet('citygw', 'bench-gw'),
    version: 'bench',
    log: silentLogger(),
    outbox: box,
    statusDevices: () => [],
  });
  peakRssBytes = 0;
  const started = performance.now();
  await uplink.start(new AbortController().signal);
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (box.depth() > 0 || uplink.counters().inflight > 0) return;
      clearInterval(poll);
      resolve();
    }, 5);
  });
  const seconds = (performance.now() - started) / 1000;
  const counters = uplink.counters();
  await uplink.stop();
  box.close();
  return { seconds, messages: counters.acknowledged.live + counters.acknowledged.history, rssMb: peakRssBytes / 1024 ** 2, rssAtOpenMb };
}

/** Runs this file again in a child process in another role (`fill` or `drain-history`). */
function inChild(role: string, dir: string, url = ''): string {
  return execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', import.meta.filename, String(total), String(inflight)], {
    env: { ...process.env, CITYGW_BENCH_ROLE: role, CITYGW_BENCH_DIR: dir, CITYGW_BENCH_URL: url },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/**
 * The baseline: plain mqtt.js, QoS 1, the same payloads, the same in-flight window, refilled the
 * same way as the outbox drainer (once per event-loop turn), no storage.
 */
async function plainMqtt(client: MqttClient, from: number, count: number, seqs: Map<string, number>): Promise<number> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    let next = from;
    let acked = 0;
    let outstanding = 0;
    let scheduled = false;
    const refill = (): void => {
      scheduled = false;
      while (outstanding < inflight && next < from + count) {
        const r = reading(next++);
        const seq = (seqs.get(r.device) ?? 0) + 1;
        seqs.set(r.device, seq);
        outstanding++;
        client.publish(`citygw/bench-gw/devices/${r.device}/readings`, JSON.stringify(toPayload({ ...r, seq })), { qos: 1 }, (error) => {
          if (error) return reject(error);
          outstanding--;
          if (++acked === count) return resolve();
          if (!scheduled) {
            scheduled = true;
            setImmediate(refill);
          }
        });
      }
    };
    refill();
  });
  return (performance.now() - started) / 1000;
}

/**
 * Live lane against the baseline: two rounds of (baseline, gateway) on half the backlog each, so
 * both see the same load from whatever else runs on the machine.
 */
async function liveAgainstBaseline(url: string, dir: string): Promise<{ liveS: number; baseS: number; liveMessages: number }> {
  const baseClient = await connect(url);
  const seqs = new Map<string, number>();
  let liveS = 0;
  let baseS = 0;
  let liveMessages = 0;
  const half = Math.floor(total / 2);
  for (const [round, count] of [[0, half], [1, total - half]] as const) {
    baseS += await plainMqtt(baseClient, round * half, count, seqs);
    const box = fill(join(dir, `live-${round}`), count);
    const result = await drainWithUplink(box, url, 'live');
    liveS += result.seconds;
    liveMessages += result.messages;
  }
  await baseClient.endAsync();
  return { liveS, baseS, liveMessages };
}

const role = process.env.CITYGW_BENCH_ROLE;
if (role === 'fill') {
  fill(process.env.CITYGW_BENCH_DIR!).close();
  clearInterval(rssSampler);
} else if (role === 'drain-history') {
  const config = bufferSchema.parse({ minFreeDisk: 0, maxRows: 100_000_000, maxBytes: '8GB', drain: { historyBatch, inflight } });
  const box = new SqliteOutbox({ config, dataDir: process.env.CITYGW_BENCH_DIR!, log: silentLogger() });
  box.open();
  const result = await drainWithUplink(box, process.env.CITYGW_BENCH_URL!, 'history');
  clearInterval(rssSampler);
  process.stdout.write(JSON.stringify(result));
} else {
  await main();
}

async function main(): Promise<void> {
  const broker = await startMosquitto();
  const dir = mkdtempSync(join(tmpdir(), 'citygw-bench-drain-'));
  try {
    const fmt = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(10);
    process.stdout.write(`drain: backlog of ${total.toLocaleString('en-US')} 4-value readings, ${devices} devices, QoS 1 to Mosquitto on loopback, ${inflight} in flight\n`);

    const live = await liveAgainstBaseline(broker.url, dir);
    process.stdout.write(`baseline plain mqtt.js QoS 1        ${fmt(total / live.baseS)} readings/s   (${live.baseS.toFixed(1)} s)\n`);
    process.stdout.write(`gateway live lane (1 per message)   ${fmt(live.liveMessages / live.liveS)} readings/s   (${live.liveS.toFixed(1)} s)\n`);
    const liveRatio = live.liveMessages / live.liveS / (total / live.baseS);
    process.stdout.write(`live ratio: ${liveRatio.toFixed(2)} of baseline (target >= 0.80) ${liveRatio >= 0.8 ? 'OK' : 'BELOW TARGET'} (2 alternating rounds)\n`);

    const historyDir = join(dir, 'history');
    inChild('fill', historyDir);
    const history = JSON.parse(inChild('drain-history', historyDir, broker.url)) as Awaited<ReturnType<typeof drainWithUplink>>;
    const historyRate = total / history.seconds;
    process.stdout.write(`gateway history lane (${historyBatch} per message) ${fmt(historyRate)} readings/s   (${history.seconds.toFixed(1)} s, ${history.messages.toLocaleString('en-US')} messages)\n`);
    process.stdout.write(`history: ${historyRate >= 100_000 ? 'OK' : 'BELOW TARGET'} (target >= 100,000 readings/s)\n`);
    if (live.liveMessages !== total) process.stdout.write(`WARNING: acknowledged ${live.liveMessages} live messages of ${total}\n`);
    process.stdout.write(`peak RSS of a fresh process draining the backlog: ${history.rssMb.toFixed(0)} MB (${history.rssAtOpenMb.toFixed(0)} MB after opening it)\n`);
  } finally {
    clearInterval(rssSampler);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
