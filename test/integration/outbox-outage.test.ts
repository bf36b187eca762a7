import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { startTcpGate, type TcpGate } from '../helpers/tcp-gate.ts';
import { checkDelivery, lastSeqs, recordAll, startPump, type Pump, type Received } from '../helpers/outbox-crash.ts';
import { waitFor } from '../helpers/wait-for.ts';

const gatewayId = 'outage-gw';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('outbox across a broker outage (Mosquitto)', () => {
  let broker: RunningMosquitto | undefined;
  let recorder: { client: MqttClient; received: Received[] } | undefined;
  let pump: Pump | undefined;
  let gate: TcpGate | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'citygw-outbox-outage-'));
  const dataDir = join(dir, 'data');
  const brokerDir = join(dir, 'broker');

  beforeAll(async () => {
    mkdirSync(brokerDir, { recursive: true });
    broker = await startMosquitto({ persistenceDir: brokerDir });
    recorder = await recordAll(broker.url, gatewayId, true);
    // The gateway reaches the broker through a gate, so the outage starts with its link dropping
    // before the broker goes down: a message the broker acknowledged is one it has handled.
    gate = await startTcpGate(broker.port);
  });
  afterAll(async () => {
    pump?.child.kill('SIGKILL');
    await gate?.close();
    await recorder?.client.endAsync(true);
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends live readings at once after the outage while the backlog drains in order; nothing is lost', async () => {
    const settings = {
      dataDir,
      url: gate!.url,
      gatewayId,
      devices: 4,
      readingsPerSecond: 100,
      alertsPerSecond: 2,
      // Live readings use 100 of the 150 messages per second; the backlog drains with the other 50
      // (small batches, so that takes a while): a lane order that put the backlog first would starve live.
      buffer: { commitInterval: '50ms', drain: { historyBatch: 2, inflight: 20, messagesPerSecond: 150, bytesPerSecond: 1e9 } },
    };
    pump = startPump(settings);
    await pump.waitFor('ready', 20_000);
    // Steady state first: the readings committed before the first connection are drained.
    await waitFor('100 live readings upstream', () => recorder!.received.filter((m) => m.topic.endsWith('/readings')).length >= 100, 15_000);
    const { port } = broker!;
    const outageStartMs = Date.now();
    await gate!.cut();
    await broker!.stop();
    await sleep(2500);
    broker = await startMosquitto({ port, persistenceDir: brokerDir });
    await waitFor('the recorder connected', () => recorder!.client.connected, 10_000);
    await gate!.restore();
    // Messages the broker had queued for the recorder before the outage come first; what the pump
    // sent after the outage starts with the first reading measured during it.
    const tsOf = (m: Received): number => {
      const body = JSON.parse(m.payload) as { ts?: string; readings?: Array<{ ts: string }> };
      return Date.parse(body.readings?.[0]?.ts ?? body.ts ?? '');
    };
    await waitFor('readings from after the outage start', () => recorder!.received.some((m) => tsOf(m) >= outageStartMs), 15_000);
    const returnedAt = recorder!.received.findIndex((m) => tsOf(m) >= outageStartMs);
    // Let it run until the backlog is gone, then stop writing and drain what is left.
    await waitFor('the backlog on history and 200 live readings after the outage', () => {
      const after = recorder!.received.slice(returnedAt);
      return after.some((m) => m.topic.endsWith('/history')) && after.filter((m) => m.topic.endsWith('/readings')).length > 200;
    }, 20_000);
    pump.child.kill('SIGTERM');
    await pump.exited;
    const stoppedAt = recorder!.received.length;
    const final = startPump({ ...settings, readingsPerSecond: 0, alertsPerSecond: 0, drainOnly: true, buffer: { ...settings.buffer, drain: { ...settings.buffer.drain, messagesPerSecond: 100_000 } } });
    await final.waitFor('drained', 30_000);
    await final.exited;
    const committed = lastSeqs(join(dataDir, 'outbox.db'));
    await waitFor('every committed reading upstream', () => checkDelivery(recorder!.received, committed).missing === 0, 10_000);

    const report = checkDelivery(recorder!.received, committed);
    expect(report.problems).toEqual([]);
    // What went out between the broker's return and the stop of the writing process.
    const after = recorder!.received.slice(returnedAt, stoppedAt).map((m) => m.topic.split('/').slice(2).join('/'));
    const firstHistory = after.findIndex((t) => t.endsWith('/history'));
    const lastHistory = after.findLastIndex((t) => t.endsWith('/history'));
    const firstLive = after.findIndex((t) => t.endsWith('/readings'));
    const firstAlert = after.findIndex((t) => t === 'alerts');
    expect(firstHistory).toBeGreaterThanOrEqual(0);
    // Live readings and alerts do not wait for the backlog.
    expect(firstLive).toBeLessThan(lastHistory);
    expect(firstAlert).toBeGreaterThanOrEqual(0);
    expect(firstAlert).toBeLessThan(lastHistory);
    // While the backlog drains, live readings keep flowing at their own rate (100 of the 150
    // messages per second), not after it: about two live messages per history message.
    const draining = after.slice(firstHistory, lastHistory + 1);
    const liveWhileDraining = draining.filter((t) => t.endsWith('/readings')).length;
    const historyMessages = draining.filter((t) => t.endsWith('/history')).length;
    expect(historyMessages).toBeGreaterThan(20);
    expect(liveWhileDraining).toBeGreaterThan(historyMessages);
  });
});
