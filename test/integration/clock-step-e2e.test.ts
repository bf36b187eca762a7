import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTcp, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { SimSlave } from '../../drivers/sim/slave.ts';
import { payloadValidators, schemaForTopic } from '../helpers/asyncapi.ts';
import { spawnCli, waitForExit } from '../helpers/cli.ts';
import { waitFor } from '../helpers/free-port.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { subscribe, type Subscriber } from '../helpers/subscriber.ts';
import { startTcpGate, type TcpGate } from '../helpers/tcp-gate.ts';

/**
 * The whole gateway process on a box whose clock is wrong: libfaketime (Debian `faketime`) puts the
 * process's wall clock three days behind and later steps it right, as NTP does once the cellular
 * link is back; the monotonic clock is left alone, as the kernel does. The broker is unreachable
 * meanwhile; a file stands for timesyncd's "synchronized" flag.
 */
const libfaketime = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1'].find((p) => existsSync(p));
if (!libfaketime) console.warn('clock-step-e2e SKIPPED: libfaketime not installed (Debian package faketime, see test/setup/system-packages.txt)');

const validators = payloadValidators();
const dayMs = 86_400_000;

interface ReadingMsg {
  device: string;
  seq: number;
  ts: string;
  values: Record<string, unknown>;
  timeQuality?: string;
}

function readingsOf(sub: Subscriber, device: string): ReadingMsg[] {
  const out: ReadingMsg[] = [];
  for (const m of sub.messages) {
    if (m.topic.endsWith(`/devices/${device}/readings`)) out.push(m.payload as ReadingMsg);
    if (m.topic.endsWith(`/devices/${device}/history`)) out.push(...(m.payload as { readings: ReadingMsg[] }).readings);
  }
  return out;
}

describe.skipIf(!libfaketime)('a gateway that starts with a clock three days behind and the broker unreachable', () => {
  let broker: RunningMosquitto;
  let gate: TcpGate;
  let sub: Subscriber;
  let sim: SimEndpoint;
  let dir: string;
  const slave = new SimSlave(1);

  beforeAll(async () => {
    broker = await startMosquitto();
    gate = await startTcpGate(broker.port);
    await gate.cut();
    sub = await subscribe(broker.url, 'citygw/#');
    // Radar: 4.05 m of water (stage alert, raised once), then 3.80 m, which may lower the stage only after the 1 h hold.
    slave.setRegisters('holding', 1, [1850, 0, 4050, 0, 400]);
    sim = await serveTcp(new Map([[1, slave]]), { framing: 'tcp' });
    dir = mkdtempSync(join(tmpdir(), 'citygw-clock-'));
    writeFileSync(join(dir, 'faketime'), '-3d');
    writeFileSync(
      join(dir, 'citygw.yaml'),
      `gateway:
  id: clock-test
  dataDir: ./data
  healthInterval: 1s
uplink:
  url: ${gate.url}
  reconnectMin: 200ms
  reconnectMax: 500ms
buffer:
  commitInterval: 50ms
clock:
  sync: flag-file
  flagFile: ${join(dir, 'synchronized')}
  checkInterval: 300ms
flows:
  enabled: false
buses:
  - id: plc
    type: modbus-tcp
    host: 127.0.0.1
    port: ${sim.port}
devices:
  - id: canal-level
    driver: modbus
    bus: plc
    unit: 1
    profile: radar-level-ld8001h
    interval: 200ms
    family:
      type: flood-level
      stages: { watchM: 3.7, alertM: 4.0, criticalM: 4.2, hysteresisM: 0.05, minHold: 1h }
      rise: { window: 1h, alertCmH: 50 }
      staleAfter: 10m
`,
    );
  });

  afterAll(async () => {
    await sub?.close();
    await sim?.stop();
    await gate?.close();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the backlog with corrected, increasing timestamps once the clock is stepped right and synced; the step fires or clears no alert', async () => {
    const testStartMs = Date.now();
    const gw = spawnCli(['run', '--config', join(dir, 'citygw.yaml')], {
      LD_PRELOAD: libfaketime!,
      FAKETIME_TIMESTAMP_FILE: join(dir, 'faketime'),
      FAKETIME_CACHE_DURATION: '1',
      FAKETIME_DONT_FAKE_MONOTONIC: '1',
    });
    try {
      // Readings accumulate in the outbox, stamped by a clock three days behind, marked unsynced.
      await waitFor('readings in the outbox', () => gw.output().includes('"msg":"gateway running"'), 40_000);
      await new Promise((r) => setTimeout(r, 1_500));
      slave.setRegisters('holding', 3, [3800]);
      await new Promise((r) => setTimeout(r, 1_500));
      // NTP steps the clock three days forward ...
      writeFileSync(join(dir, 'faketime'), '+0');
      await waitFor('the step to be seen', () => gw.output().includes('"msg":"wall clock stepped"'), 10_000);
      await new Promise((r) => setTimeout(r, 500));
      // ... and says it is synchronised; then the link comes back.
      writeFileSync(join(dir, 'synchronized'), '');
      await waitFor('the sync to be seen', () => gw.output().includes('"msg":"readings re-stamped after clock correction"'), 10_000);
      await gate.restore();
      await waitFor('synced readings upstream', () => readingsOf(sub, 'canal-level').some((r) => r.timeQuality === undefined), 30_000);
      const receivedAtMs = Date.now();

      const readings = readingsOf(sub, 'canal-level').sort((a, b) => a.seq - b.seq);
      const seqs = readings.map((r) => r.seq);
      expect(seqs[0]).toBe(1);
      expect(new Set(seqs).size).toBe(seqs[seqs.length - 1]);
      const before = readings.filter((r) => r.timeQuality !== undefined);
      expect(before.length).toBeGreaterThanOrEqual(5);
      // Every reading from before the sync arrives corrected, at the true time, never in the future.
      for (const r of before) {
        expect(r.timeQuality, `seq ${r.seq}`).toBe('corrected');
        expect(Date.parse(r.ts), `seq ${r.seq}`).toBeGreaterThanOrEqual(testStartMs);
        expect(Date.parse(r.ts), `seq ${r.seq}`).toBeLessThanOrEqual(receivedAtMs);
      }
      for (let i = 1; i < readings.length; i++) expect(Date.parse(readings[i]!.ts), `seq ${readings[i]!.seq}`).toBeGreaterThan(Date.parse(readings[i - 1]!.ts));
      expect(Math.abs(Date.parse(readings[readings.length - 1]!.ts) - receivedAtMs)).toBeLessThan(dayMs / 24);

      // One alert: the stage raised at 4.05 m. The 3-day step neither lowered the stage (1 h hold) nor made the sensor stale.
      const alerts = sub.messages.filter((m) => m.topic === 'citygw/clock-test/alerts').map((m) => m.payload as { id: string; state: string; values: Record<string, unknown> });
      expect(alerts.map((a) => [a.id, a.state, a.values.stage])).toEqual([['flood-stage:canal-level', 'raised', 'alert']]);

      // Health tells the technician what happened to the clock; every payload matches the contract.
      await waitFor('a synced health message', () => sub.messages.some((m) => m.topic.endsWith('/health') && (m.payload as { clock: { synced: boolean } }).clock.synced), 10_000);
      const health = sub.messages.filter((m) => m.topic.endsWith('/health')).map((m) => m.payload as { clock: { synced: boolean; source: string; lastStepS: number } });
      expect(health.find((h) => h.clock.synced)!.clock).toMatchObject({ synced: true, source: 'flag-file' });
      expect(health.find((h) => h.clock.synced)!.clock.lastStepS).toBeCloseTo(3 * 86_400, -2);
      for (const m of sub.messages) {
        const validate = validators[schemaForTopic(m.topic)];
        expect(validate(m.payload), `${m.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      // The step is logged once, with its size.
      expect(gw.output().split('\n').filter((l) => l.includes('"msg":"wall clock stepped"'))).toHaveLength(1);
    } catch (error) {
      console.error(gw.output().split('\n').slice(-40).join('\n'));
      throw error;
    } finally {
      gw.kill('SIGTERM');
      await waitForExit(gw, 20_000);
    }
  }, 90_000);
});
