import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { createRootLogger, silentLogger } from '../../core/log.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { uplinkSchema } from '../../gateway/uplink/config-schema.ts';
import { MqttUplink } from '../../gateway/uplink/mqtt-uplink.ts';
import { topicSet } from '../../gateway/uplink/topics.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';

const dirs: string[] = [];
const brokers: RunningMosquitto[] = [];
const uplinks: Array<{ uplink: MqttUplink; outbox: SqliteOutbox }> = [];

afterAll(async () => {
  for (const { uplink, outbox } of uplinks) {
    await uplink.stop(500);
    outbox.close();
  }
  for (const broker of brokers) await broker.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function startUplink(urls: string[], uplink: Record<string, unknown>): Promise<MqttUplink> {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-failover-'));
  dirs.push(dir);
  const config = bufferSchema.parse({ minFreeDisk: 0 });
  const outbox = new SqliteOutbox({ config, dataDir: dir, log: silentLogger() });
  outbox.open();
  const up = new MqttUplink({
    config: uplinkSchema.parse({ url: urls, connectTimeout: '2s', ...uplink }),
    drain: config.drain,
    clientId: `failover-${dirs.length}`,
    topics: topicSet('citygw', `failover-gw-${dirs.length}`),
    version: 'test',
    log: process.env.DEBUG_FAILOVER ? createRootLogger({ level: 'debug', pretty: false }) : silentLogger(),
    outbox,
    statusDevices: () => [],
  });
  uplinks.push({ uplink: up, outbox });
  await up.start(new AbortController().signal);
  return up;
}

/** The retained status a fresh subscriber gets from this broker, or null. */
async function retainedStatus(url: string, topic: string): Promise<string | null> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, clean: true });
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    const got = new Promise<string | null>((resolve) => {
      client.once('message', (_t, payload) => resolve(payload.toString()));
      setTimeout(() => resolve(null), 1000);
    });
    await client.subscribeAsync(topic, { qos: 1 });
    return await got;
  } finally {
    client.end(true);
  }
}

describe('uplink failover between brokers (two Mosquittos)', () => {
  it('on losing its broker goes to the other at once (not after the backoff) and publishes its retained status there', async () => {
    const a = await startMosquitto();
    const b = await startMosquitto();
    brokers.push(a, b);
    // A backoff this long would fail the deadline below: only the at-once failover passes.
    const uplink = await startUplink([a.url, b.url], { reconnectMin: '20s', reconnectMax: '30s' });
    await waitFor('first connection', () => uplink.state === 'online', 10_000);
    const first = uplink.counters().broker!;
    const [lost, other] = first.startsWith(a.url) ? [a, b] : [b, a];
    // A connection counts as good after a second; one lost sooner is followed by a wait.
    await new Promise((r) => setTimeout(r, 1200));
    const lostAtMs = Date.now();
    await lost.stop();
    await waitFor('connection to the other broker', () => uplink.state === 'online' && uplink.counters().broker?.startsWith(other.url), 5_000);
    expect(Date.now() - lostAtMs).toBeLessThan(5_000);
    expect(uplink.counters().connects).toBe(2);
    const status = await retainedStatus(other.url, 'citygw/failover-gw-1/status');
    expect(JSON.parse(status ?? '{}').state).toBe('online');
  });

  it('finds a broker that comes back within reconnectMax, however long it was away', async () => {
    const broker = await startMosquitto();
    const { port } = broker;
    const uplink = await startUplink([broker.url], { reconnectMin: '100ms', reconnectMax: '1s' });
    await waitFor('first connection', () => uplink.state === 'online', 10_000);
    await broker.stop();
    // Long enough for the backoff to reach its cap several times over.
    await new Promise((r) => setTimeout(r, 4000));
    expect(uplink.state).not.toBe('online');
    const back = await startMosquitto({ port });
    brokers.push(back);
    const backAtMs = Date.now();
    await waitFor('reconnection', () => uplink.state === 'online', 5_000);
    // reconnectMax (1 s) plus one connect, with room for a busy machine.
    expect(Date.now() - backAtMs).toBeLessThan(3_000);
  });
});
