/**
 * One process of the fleet simulator: carries several gateways, each with the gateway's real
 * SqliteOutbox (its own data folder) and real MqttUplink (its own client id and MQTT connection,
 * the cluster's node URLs, the default reconnect settings unless overridden). Each gateway has
 * `devicesPerGateway` devices that produce a reading every `intervalMs`, each at its own phase.
 *
 * A real box runs one gateway per process; packing many into one process only shares the Node
 * runtime's fixed cost (which the run measures separately with an empty worker), not the gateway's
 * own work: every gateway keeps its own database, connection, timers and drain loop.
 *
 * Talks to the parent over IPC (messages in protocol.ts). Settings come as JSON in CITYGW_FLEET.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../../../core/log.ts';
import { bufferSchema } from '../../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../../gateway/outbox/sqlite-outbox.ts';
import { uplinkSchema } from '../../../gateway/uplink/config-schema.ts';
import { MqttUplink, type UplinkState } from '../../../gateway/uplink/mqtt-uplink.ts';
import { topicSet } from '../../../gateway/uplink/topics.ts';
import type { FleetWorkerSettings, GatewaySample, ParentMessage, Transition, WorkerMessage } from './protocol.ts';

const settings = JSON.parse(process.env.CITYGW_FLEET ?? '{}') as FleetWorkerSettings;
const send = (message: WorkerMessage): void => {
  if (process.connected) process.send!(message);
};

interface SimGateway {
  id: string;
  outbox: SqliteOutbox;
  uplink: MqttUplink;
  /** Next due time (ms since the epoch) per device. */
  due: number[];
  lastSeq: Record<string, number>;
  produced: number;
  state: UplinkState;
}

const gateways: SimGateway[] = [];
const transitions: Transition[] = [];
const running = new AbortController();
let producing = true;

for (const id of settings.gateways) {
  const dataDir = join(settings.baseDir, id);
  mkdirSync(dataDir, { recursive: true });
  const buffer = bufferSchema.parse({ minFreeDisk: 0, ...settings.buffer });
  const outbox = new SqliteOutbox({ config: buffer, dataDir, log: silentLogger() });
  outbox.open();
  const uplink = new MqttUplink({
    config: uplinkSchema.parse({ url: settings.urls, ...settings.uplink }),
    drain: buffer.drain,
    clientId: id,
    topics: topicSet('citygw', id),
    version: 'fleet-sim',
    log: silentLogger(),
    outbox,
    statusDevices: () => [],
  });
  outbox.addListener({ readingsCommitted: () => uplink.wake() });
  const now = Date.now();
  const due = Array.from({ length: settings.devicesPerGateway }, () => now + randomInt(settings.intervalMs));
  gateways.push({ id, outbox, uplink, due, lastSeq: {}, produced: 0, state: 'stopped' });
}
for (const gateway of gateways) await gateway.uplink.start(running.signal);
send({ type: 'ready', pid: process.pid });

// Readings: each device on its own phase, like field buses polled by independent schedulers.
const produceTimer = setInterval(() => {
  if (!producing) return;
  const now = Date.now();
  for (const gateway of gateways) {
    for (let d = 0; d < gateway.due.length; d++) {
      while (gateway.due[d]! <= now) {
        const device = `dev-${d + 1}`;
        const reading = gateway.outbox.appendReading({
          device,
          kind: 'flood-level',
          tsMs: gateway.due[d]!,
          // The nonce makes every reading unique: a repeat upstream must be byte-identical.
          values: { level: Math.round(1000 + 200 * Math.sin(now / 600_000 + d)) / 1000, nonce: randomInt(1e9), battery: 12.6, signal: 71 },
          units: { level: 'm', battery: 'V', signal: '%' },
          quality: 'good',
        });
        gateway.lastSeq[device] = reading.seq;
        gateway.produced += 1;
        gateway.due[d]! += settings.intervalMs;
      }
    }
  }
}, 100);

// State changes, timed here (the parent measures reconnection from them).
const stateTimer = setInterval(() => {
  const now = Date.now();
  for (const gateway of gateways) {
    const state = gateway.uplink.state;
    if (state !== gateway.state) {
      gateway.state = state;
      transitions.push({ id: gateway.id, tMs: now, state, broker: gateway.uplink.counters().broker });
    }
  }
}, 25);

function samples(): GatewaySample[] {
  return gateways.map((g) => {
    const c = g.uplink.counters();
    return { id: g.id, state: c.state, broker: c.broker, connects: c.connects, connectedSinceMs: c.connectedSince ? Date.parse(c.connectedSince) : null, produced: g.produced, depth: g.outbox.depth(), inflight: c.inflight };
  });
}

const reportTimer = setInterval(() => {
  const cpu = process.cpuUsage();
  send({ type: 'report', tMs: Date.now(), cpuUs: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss(), gateways: samples(), transitions: transitions.splice(0) });
}, settings.reportIntervalMs);

async function drain(): Promise<void> {
  producing = false;
  // Readings still queued for the next group commit are committed now.
  for (const gateway of gateways) gateway.outbox.flush();
  for (const gateway of gateways) gateway.uplink.wake();
  while (gateways.some((g) => g.outbox.depth() > 0)) await new Promise((r) => setTimeout(r, 100));
  send({ type: 'drained', lastSeqs: Object.fromEntries(gateways.map((g) => [g.id, { ...g.lastSeq }])) });
}

async function stop(): Promise<void> {
  clearInterval(produceTimer);
  clearInterval(stateTimer);
  clearInterval(reportTimer);
  await Promise.all(gateways.map((g) => g.uplink.stop(2000)));
  for (const gateway of gateways) gateway.outbox.close();
  process.exit(0);
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'drain') void drain();
  else if (message.type === 'stop') void stop();
});
// The parent went away: do not outlive it.
process.on('disconnect', () => process.exit(0));
