/**
 * A child process for the crash and outage tests: commits readings to a SqliteOutbox and drains it
 * to a real broker with the gateway's own MqttUplink, at rates no field bus produces. Settings come as JSON in
 * CITYGW_PUMP. It prints `ready` once open and, in drain-only mode, `drained` when the outbox is
 * empty and exits. Tests kill it with SIGKILL at random moments.
 */
import { randomInt } from 'node:crypto';
import { silentLogger } from '../../core/log.ts';
import { bufferSchema } from '../../gateway/outbox/config-schema.ts';
import { SqliteOutbox } from '../../gateway/outbox/sqlite-outbox.ts';
import { uplinkSchema } from '../../gateway/uplink/config-schema.ts';
import { MqttUplink } from '../../gateway/uplink/mqtt-uplink.ts';
import { topicSet } from '../../gateway/uplink/topics.ts';

export interface PumpSettings {
  dataDir: string;
  url: string;
  gatewayId: string;
  devices: number;
  /** Readings per second over all devices; 0 in drain-only mode. */
  readingsPerSecond: number;
  /** Alerts per second (0 for none). */
  alertsPerSecond?: number;
  /** Drain until empty, then exit. */
  drainOnly?: boolean;
  buffer?: Record<string, unknown>;
}

const settings = JSON.parse(process.env.CITYGW_PUMP ?? '{}') as PumpSettings;
const config = bufferSchema.parse({ minFreeDisk: 0, ...settings.buffer });
const outbox = new SqliteOutbox({ config, dataDir: settings.dataDir, log: silentLogger() });
outbox.open();
const uplink = new MqttUplink({
  config: uplinkSchema.parse({ url: settings.url, reconnectMin: '100ms', reconnectMax: '500ms', connectTimeout: '2s' }),
  drain: config.drain,
  clientId: `pump-${process.pid}`,
  topics: topicSet('citygw', settings.gatewayId),
  version: 'test',
  log: silentLogger(),
  outbox,
  statusDevices: () => [],
});
outbox.addListener({ readingsCommitted: () => uplink.wake(), alertsCommitted: () => uplink.wake() });
const running = new AbortController();
await uplink.start(running.signal);

let produced = 0;
let alerts = 0;
const startedAtMs = Date.now();
if (settings.readingsPerSecond > 0) {
  setInterval(() => {
    const due = Math.floor(((Date.now() - startedAtMs) / 1000) * settings.readingsPerSecond);
    for (; produced < due; produced++) {
      const device = `dev-${produced % settings.devices}`;
      // The nonce makes every reading's content unique: a repeat upstream must be byte-identical.
      outbox.appendReading({ device, kind: 'flood-level', tsMs: Date.now(), values: { level: (produced % 500) / 100, nonce: randomInt(1e9), battery: 12.5, signal: 80 }, units: { level: 'm', battery: 'V', signal: '%' }, quality: 'good' });
    }
    const alertsDue = Math.floor(((Date.now() - startedAtMs) / 1000) * (settings.alertsPerSecond ?? 0));
    for (; alerts < alertsDue; alerts++) {
      outbox.appendAlert({ id: `test:${process.pid}:${alerts}`, state: 'raised', severity: 'warning', rule: 'test', device: null, message: { th: 'ทดสอบ', en: 'test' } });
    }
  }, 10);
}

if (settings.drainOnly) {
  const idle = setInterval(() => {
    if (outbox.depth() > 0 || uplink.counters().inflight > 0) return;
    clearInterval(idle);
    void uplink.stop().then(() => {
      outbox.close();
      process.stdout.write('drained\n');
      process.exit(0);
    });
  }, 50);
}
process.on('SIGTERM', () => {
  void uplink.stop().then(() => {
    outbox.close();
    process.exit(0);
  });
});
process.stdout.write('ready\n');
