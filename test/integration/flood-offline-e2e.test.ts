import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startDemoDevices, type DemoDevices } from '../../drivers/sim/demo.ts';
import type { AlertPayload } from '../../core/alert.ts';
import { payloadValidators, schemaForTopic } from '../helpers/asyncapi.ts';
import { spawnCli, waitForExit } from '../helpers/cli.ts';
import { OutboxPeek } from '../helpers/e2e-outbox.ts';
import { seedFlows, shippedFlowWithEnv } from '../helpers/flows-host-process.ts';
import { freePort, portOpen } from '../helpers/free-port.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { subscribe, type ReceivedMessage, type Subscriber } from '../helpers/subscriber.ts';

// The offline flood rule end to end: the real `citygw run` process with Node-RED inside, the demo's
// Modbus TCP simulators on loopback and, only at the end, a real Mosquitto. The siren, beacon and
// clean-water valve are coils of the simulated relay module, read back from the simulator.

const gatewayId = 'e2e-gw';
const stages = { watchM: 3.2, alertM: 3.7, criticalM: 4.0, hysteresisM: 0.1, minHold: '1s' };
/** Relay module coils as the gateway config names them (the profile's relay_1..relay_3). */
const coil = { siren: 'relay_1', beacon: 'relay_2', valve: 'relay_3' } as const;
const thai = /[\u0E00-\u0E7F]/;

interface ReadingMsg {
  device: string;
  seq: number;
  values: Record<string, unknown>;
}

/** Every reading received for a device, live and history, in arrival order. */
function readingsOf(messages: ReceivedMessage[], device: string): ReadingMsg[] {
  const out: ReadingMsg[] = [];
  for (const m of messages) {
    if (m.topic === `citygw/${gatewayId}/devices/${device}/readings`) out.push(m.payload as ReadingMsg);
    if (m.topic === `citygw/${gatewayId}/devices/${device}/history`) out.push(...(m.payload as { readings: ReadingMsg[] }).readings);
  }
  return out;
}

describe('offline flood rule, end to end', () => {
  let field: DemoDevices;
  let broker: RunningMosquitto | undefined;
  let sub: Subscriber | undefined;
  let gateway: ReturnType<typeof spawnCli> | undefined;
  let outbox: OutboxPeek | undefined;
  let uplinkPort: number;
  let dir: string;
  let brokerDir: string;
  let configFile: string;
  const subscriberId = `e2e-sub-${process.pid}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citygw-e2e-'));
    brokerDir = join(dir, 'broker');
    mkdirSync(brokerDir);
    field = await startDemoDevices();
    field.radar.setLevelM(1.0);

    // The upstream consumer's persistent session exists before the outage: Mosquitto queues for it
    // whatever the gateway publishes when the broker returns, before the subscriber reconnects.
    uplinkPort = await freePort();
    const first = await startMosquitto({ port: uplinkPort, persistenceDir: brokerDir });
    try {
      const session = await subscribe(first.url, 'citygw/#', { clientId: subscriberId, clean: false });
      await session.close();
    } finally {
      await first.stop();
    }

    const { buses, devices } = field.config();
    for (const device of devices) {
      if (device.id === 'canal-level') {
        device.interval = '200ms';
        device.family = { type: 'flood-level', point: 'level_m', stages, bankM: 3.7 };
      }
      if (device.id === 'canal-quality') device.interval = '300ms';
      if (device.id === 'siren-relay') {
        device.interval = '250ms';
        device.points = [
          { name: 'siren', table: 'coil', address: 0, type: 'bool', writable: true, verifyWrite: true },
          { name: 'beacon', table: 'coil', address: 1, type: 'bool', writable: true, verifyWrite: true },
          { name: 'valve', table: 'coil', address: 2, type: 'bool', writable: true, verifyWrite: true },
        ];
      }
    }
    const dataDir = join(dir, 'data');
    // The shipped flood rule as it is; the clean-water rule with a 3 s valve limit (a technician's
    // tab setting) so the bounded opening is seen within the test.
    seedFlows(dataDir, [
      ...shippedFlowWithEnv('flood-alert', {}),
      ...shippedFlowWithEnv('clean-water-release', { VALVE_MAX_OPEN_MIN: 0.05, VALVE_COOLDOWN_MIN: 10, DO_LOW_READINGS: 2 }),
    ]);
    const config = {
      gateway: { id: gatewayId, dataDir, healthInterval: '1h' },
      uplink: { url: `mqtt://127.0.0.1:${uplinkPort}`, reconnectMin: '300ms', reconnectMax: '1s', connectTimeout: '1s' },
      buffer: { commitInterval: '50ms', drain: { historyBatch: 50 } },
      buses,
      devices,
      flows: { env: { SIREN_DEVICE: 'siren-relay', BEACON_DEVICE: 'siren-relay', VALVE_DEVICE: 'siren-relay', VALVE_POINT: 'valve' } },
    };
    configFile = join(dir, 'citygw.yaml');
    writeFileSync(configFile, stringify(config));
  }, 30_000);

  afterAll(async () => {
    outbox?.close();
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGKILL');
      await waitForExit(gateway, 5_000).catch(() => undefined);
    }
    await sub?.close();
    await broker?.stop();
    await field?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('switches siren, beacon and valve with the broker down, then sends the alerts ahead of the backlog and loses no reading', async () => {
    gateway = spawnCli(['run', '--config', configFile], { CITYGW_LOG_LEVEL: 'info' });
    const relay = field.relay.device;
    const relayIs = (state: Partial<Record<keyof typeof coil, boolean>>) =>
      Object.entries(state).every(([name, on]) => relay.get(coil[name as keyof typeof coil]) === on);
    const context = () => `coils siren=${String(relay.get(coil.siren))} beacon=${String(relay.get(coil.beacon))} valve=${String(relay.get(coil.valve))}\n${gateway!.output().slice(-3000)}`;

    await waitFor('the gateway and its flows to run', () => gateway!.output().includes('"gateway running"'), 40_000);
    outbox = new OutboxPeek(join(dir, 'data', 'outbox.db'));
    const stageAlerts = () => outbox!.alerts().filter((a) => a.id === 'flood-stage:canal-level');

    /** Waits for two more stored polls of the relay module, so its readings show the coils as they are now. */
    const relayPolled = async () => {
      const seq = outbox!.lastSeqs().get('siren-relay') ?? 0;
      await waitFor('two more relay readings', () => (outbox!.lastSeqs().get('siren-relay') ?? 0) >= seq + 2, 10_000);
    };

    /** Sets the canal level, waits until the gateway has stored the stage change, then for the coils. */
    const step = async (levelM: number, stage: string, coils: Partial<Record<keyof typeof coil, boolean>>) => {
      const before = stageAlerts().length;
      field.radar.setLevelM(levelM);
      await waitFor(`stage ${stage} at ${levelM} m`, () => stageAlerts().slice(before).some((a) => a.values.stage === stage), 10_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${context()}`);
      });
      await waitFor(`coils ${JSON.stringify(coils)} at stage ${stage}`, () => relayIs(coils), 10_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${context()}`);
      });
      await relayPolled();
    };

    await step(3.45, 'watch', { siren: false, beacon: true });
    await step(3.85, 'alert', { siren: true, beacon: true });
    await step(4.3, 'critical', { siren: true, beacon: true });
    // Down again: each stage is held 1 s and left only 0.1 m below its threshold.
    await step(3.85, 'alert', { siren: true, beacon: true });
    await step(3.45, 'watch', { siren: false, beacon: true });
    await step(1.0, 'normal', { siren: false, beacon: false });
    expect(stageAlerts().map((a) => `${a.state}:${String(a.values.stage)}`)).toEqual([
      'raised:watch',
      'raised:alert',
      'raised:critical',
      'raised:alert',
      'raised:watch',
      'cleared:normal',
    ]);

    // Low dissolved oxygen (two readings) opens the clean-water valve; the 3 s limit closes it
    // although the oxygen stays low.
    field.sonde.setDoMgL(1.2);
    await waitFor('valve opened on low oxygen', () => relayIs({ valve: true }), 10_000);
    await relayPolled();
    await waitFor('valve closed by its time limit', () => relayIs({ valve: false }), 10_000);
    await relayPolled();
    await waitFor('oxygen alert stored', () => outbox!.alerts().some((a) => a.id === 'water-do-low:canal-quality' && a.state === 'raised'), 5_000);
    // Still low for three more readings: the cool-down keeps the valve shut.
    const lowSeq = outbox.lastSeqs().get('canal-quality') ?? 0;
    await waitFor('three more low-oxygen readings', () => (outbox!.lastSeqs().get('canal-quality') ?? 0) >= lowSeq + 3, 10_000);
    expect(relayIs({ valve: false })).toBe(true);
    field.sonde.setDoMgL(null);
    await waitFor('oxygen alert cleared', () => outbox!.alerts().some((a) => a.id === 'water-do-low:canal-quality' && a.state === 'cleared'), 10_000);
    expect(relayIs({ valve: false, siren: false, beacon: false })).toBe(true);

    // A power cut during a flood (still offline): the water went down while the gateway was off. The
    // gateway remembers the stage it had raised, so it clears it upstream and the beacon goes off.
    await step(3.45, 'watch', { siren: false, beacon: true });
    expect(gateway.output()).not.toContain('"connected to broker"');
    gateway.kill('SIGKILL');
    await waitForExit(gateway, 15_000);
    field.radar.setLevelM(1.0);
    const stagesBeforeReboot = stageAlerts().length;
    gateway = spawnCli(['run', '--config', configFile], { CITYGW_LOG_LEVEL: 'info' });
    await waitFor('the gateway to run again', () => gateway!.output().includes('"gateway running"'), 40_000);
    await waitFor('stage cleared after the reboot', () => stageAlerts().slice(stagesBeforeReboot).some((a) => a.state === 'cleared'), 10_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${context()}`);
    });
    await waitFor('beacon off after the reboot', () => relayIs({ siren: false, beacon: false }), 10_000);
    await relayPolled();

    // All of it happened with nothing listening on the uplink's port.
    expect(await portOpen(uplinkPort)).toBe(false);
    expect(gateway.output()).not.toContain('"connected to broker"');
    const offlineAlerts: AlertPayload[] = outbox.alerts();
    const offlineSeqs = outbox.lastSeqs();
    expect([...offlineSeqs.keys()].sort()).toEqual(['canal-level', 'canal-quality', 'siren-relay']);

    // The broker returns on that port; the subscriber's session was kept, so it misses nothing.
    broker = await startMosquitto({ port: uplinkPort, persistenceDir: brokerDir });
    sub = await subscribe(broker.url, 'citygw/#', { clientId: subscriberId, clean: false });
    const messages = sub.messages;
    await waitFor('every offline alert upstream', () => {
      const ids = new Set(messages.filter((m) => m.topic === `citygw/${gatewayId}/alerts`).map((m) => `${(m.payload as AlertPayload).id}@${(m.payload as AlertPayload).ts}`));
      return offlineAlerts.every((a) => ids.has(`${a.id}@${a.ts}`));
    }, 20_000);
    await waitFor('every offline reading upstream', () =>
      [...offlineSeqs].every(([device, last]) => {
        const seqs = new Set(readingsOf(messages, device).map((r) => r.seq));
        for (let s = 1; s <= last; s++) if (!seqs.has(s)) return false;
        return true;
      }), 30_000);

    // Alerts first: every alert stored offline arrived before the first history message.
    const firstHistory = messages.findIndex((m) => m.topic.endsWith('/history'));
    expect(firstHistory).toBeGreaterThanOrEqual(0);
    const alertMessages = messages.filter((m) => m.topic === `citygw/${gatewayId}/alerts`);
    for (const alert of offlineAlerts) {
      const index = messages.findIndex((m) => m.topic.endsWith('/alerts') && (m.payload as AlertPayload).id === alert.id && (m.payload as AlertPayload).ts === alert.ts);
      expect(index, `${alert.id} ${alert.state} arrived after the backlog started`).toBeLessThan(firstHistory);
    }
    const flood = alertMessages.map((m) => m.payload as AlertPayload).filter((a) => a.id === 'flood-stage:canal-level');
    expect(flood.map((a) => `${a.state}:${String(a.values.stage)}:${a.severity}`)).toEqual([
      'raised:watch:info',
      'raised:alert:warning',
      'raised:critical:critical',
      'raised:alert:warning',
      'raised:watch:info',
      'cleared:normal:info',
      'raised:watch:info',
      'cleared:normal:info',
    ]);
    for (const alert of [...flood, ...alertMessages.map((m) => m.payload as AlertPayload).filter((a) => a.rule === 'water-do-low')]) {
      expect(alert.message.th).toMatch(thai);
      expect(alert.message.en).toMatch(/[a-z]/i);
      expect(alert.message.en).not.toMatch(thai);
    }

    // Per device, sequence numbers are contiguous from 1 (no gap, whatever came live or from history),
    // and the readings tell the same story as the siren.
    for (const device of offlineSeqs.keys()) {
      const seqs = [...new Set(readingsOf(messages, device).map((r) => r.seq))].sort((a, b) => a - b);
      expect(seqs[0], device).toBe(1);
      expect(seqs.at(-1)! - seqs[0]! + 1, `${device}: gap in ${seqs.length} seqs`).toBe(seqs.length);
    }
    const stagesSeen = readingsOf(messages, 'canal-level')
      .sort((a, b) => a.seq - b.seq)
      .flatMap((r) => (typeof r.values.stage === 'string' ? [r.values.stage] : []))
      .filter((s, i, all) => s !== all[i - 1]);
    expect(stagesSeen).toEqual(['normal', 'watch', 'alert', 'critical', 'alert', 'watch', 'normal', 'watch', 'normal']);
    // The relay module's own readings saw the siren and the valve switch on and off again.
    const switched = (point: string) =>
      readingsOf(messages, 'siren-relay')
        .sort((a, b) => a.seq - b.seq)
        .flatMap((r) => (typeof r.values[point] === 'boolean' ? [r.values[point]] : []))
        .filter((v, i, all) => v !== all[i - 1]);
    expect(switched('siren')).toEqual([false, true, false]);
    expect(switched('beacon')).toEqual([false, true, false, true, false]);
    expect(switched('valve')).toEqual([false, true, false]);

    // Everything published matches the AsyncAPI document.
    const validators = payloadValidators();
    for (const message of messages) {
      const validate = validators[schemaForTopic(message.topic)];
      expect(validate(message.payload), `${message.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }

    gateway.kill('SIGTERM');
    expect(await waitForExit(gateway, 15_000)).toBe(0);
  }, 90_000);
});
