import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTcp, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { SimSlave } from '../../drivers/sim/slave.ts';
import { spawnCli, waitForExit } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { makeTestPki, type TestPki } from '../helpers/tls-certs.ts';
import { subscribe } from '../helpers/subscriber.ts';

describe('TLS to the broker is verified', () => {
  let pki: TestPki;
  let tlsBroker: RunningMosquitto;
  let sim: SimEndpoint;
  const dir = mkdtempSync(join(tmpdir(), 'citygw-tls-'));

  beforeAll(async () => {
    pki = makeTestPki();
    // Mosquitto reads its key as the mosquitto user when started as root.
    for (const f of [pki.serverKey, pki.serverCert, pki.caCert]) chmodSync(f, 0o644);
    chmodSync(pki.dir, 0o755);
    tlsBroker = await startMosquitto({ extraConfig: [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`] });
    const slave = new SimSlave(1);
    slave.setRegisters('holding', 1, [1000, 0, 1500, 0, 300]);
    sim = await serveTcp(new Map([[1, slave]]), { framing: 'tcp' });
  });

  afterAll(async () => {
    await sim?.stop();
    await tlsBroker?.stop();
  });

  function config(name: string, ca: string): string {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `gateway: { id: ${name}, dataDir: ./data-${name} }
uplink:
  url: mqtts://127.0.0.1:${tlsBroker.port}
  username: canal
  password: { env: CITYGW_TEST_MQTT_PASSWORD }
  tls: { ca: ${ca} }
  reconnectMin: 200ms
  reconnectMax: 400ms
buffer: { commitInterval: 50ms }
buses: [{ id: plc, type: modbus-tcp, host: 127.0.0.1, port: ${sim.port} }]
devices: [{ id: level, driver: modbus, bus: plc, unit: 1, profile: radar-level-ld8001h, interval: 100ms }]
`,
    );
    return file;
  }

  it('publishes over TLS with the right CA, and refuses a broker its CA did not sign; the password never reaches the log', async () => {
    const tlsUrl = `mqtts://127.0.0.1:${tlsBroker.port}`;
    const sub = await subscribe(tlsUrl, 'citygw/#', { ca: readFileSync(pki.caCert), rejectUnauthorized: true });
    const password = 'pw-that-must-not-leak-4711';
    const good = spawnCli(['run', '--config', config('good', pki.caCert)], { CITYGW_TEST_MQTT_PASSWORD: password, CITYGW_LOG_LEVEL: 'debug' });
    const bad = spawnCli(['run', '--config', config('bad', pki.otherCaCert)], { CITYGW_TEST_MQTT_PASSWORD: password, CITYGW_LOG_LEVEL: 'debug' });
    try {
      await waitFor('readings over TLS', () => sub.messages.some((m) => m.topic === 'citygw/good/devices/level/readings'), 20_000).catch((e: unknown) => { throw new Error(`${String(e)}\n${good.output().slice(-3000)}`); });
      await waitFor('the bad gateway to report a certificate error', () => /certificate|self.signed|unable to verify/i.test(bad.output()), 20_000);
      expect(sub.messages.some((m) => m.topic.startsWith('citygw/bad/'))).toBe(false);
    } finally {
      good.kill('SIGTERM');
      bad.kill('SIGTERM');
      await waitForExit(good);
      await waitForExit(bad);
      await sub.close();
    }
    expect(good.output()).not.toContain(password);
    expect(bad.output()).not.toContain(password);
  });
});

describe('a certificate file being rotated while the link is down', () => {
  it('does not crash the reconnect: the missing file is reported and counted, the last good copy is used, and the uplink comes back', async () => {
    const { silentLogger } = await import('../../core/log.ts');
    const { bufferSchema } = await import('../../gateway/outbox/config-schema.ts');
    const { SqliteOutbox } = await import('../../gateway/outbox/sqlite-outbox.ts');
    const { uplinkSchema } = await import('../../gateway/uplink/config-schema.ts');
    const { MqttUplink } = await import('../../gateway/uplink/mqtt-uplink.ts');
    const { topicSet } = await import('../../gateway/uplink/topics.ts');
    const { startTcpGate } = await import('../helpers/tcp-gate.ts');
    const { copyFileSync, renameSync } = await import('node:fs');
    const pki = makeTestPki();
    chmodSync(pki.serverKey, 0o644);
    chmodSync(pki.dir, 0o755);
    const broker = await startMosquitto({ extraConfig: [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`] });
    const gate = await startTcpGate(broker.port);
    const dir = mkdtempSync(join(tmpdir(), 'citygw-tls-rotate-'));
    const ca = join(dir, 'ca.pem');
    copyFileSync(pki.caCert, ca);
    const buffer = bufferSchema.parse({ minFreeDisk: 0, commitInterval: '20ms' });
    const outbox = new SqliteOutbox({ config: buffer, dataDir: dir, log: silentLogger() });
    outbox.open();
    const uplink = new MqttUplink({
      config: uplinkSchema.parse({ url: `mqtts://127.0.0.1:${gate.port}`, tls: { ca }, reconnectMin: '100ms', reconnectMax: '200ms', connectTimeout: '2s' }),
      drain: buffer.drain,
      clientId: 'rotate-test',
      topics: topicSet('citygw', 'rotate'),
      version: 'test',
      log: silentLogger(),
      outbox,
      statusDevices: () => [],
    });
    const running = new AbortController();
    try {
      await uplink.start(running.signal);
      await waitFor('online over TLS', () => uplink.state === 'online');
      // The CA is being replaced: gone for a moment while the link drops and the uplink reconnects.
      renameSync(ca, `${ca}.old`);
      await gate.cut();
      await waitFor('reconnect attempts that met the missing file', () => uplink.counters().tlsFileErrors >= 1);
      await gate.restore();
      await waitFor('online again with the copy read before', () => uplink.state === 'online', 10_000);
      renameSync(`${ca}.old`, ca);
      expect(uplink.counters().tlsFileErrors).toBeGreaterThanOrEqual(1);
    } finally {
      running.abort();
      await uplink.stop();
      outbox.close();
      await gate.close();
      await broker.stop();
    }
  });
});
