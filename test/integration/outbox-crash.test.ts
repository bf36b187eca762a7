import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { checkDelivery, crashRuns, recordAll, type Received } from '../helpers/outbox-crash.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { seededRandom } from '../helpers/seeded-random.ts';

describe('outbox under SIGKILL, draining to Mosquitto', () => {
  let broker: RunningMosquitto;
  let recorder: { client: MqttClient; received: Received[] };
  let dataDir: string;

  beforeAll(async () => {
    broker = await startMosquitto();
    recorder = await recordAll(broker.url, 'crash-gw');
    dataDir = mkdtempSync(join(tmpdir(), 'citygw-outbox-crash-'));
  });
  afterAll(async () => {
    await recorder?.client.endAsync();
    await broker?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('delivers every committed reading at least once, identical on repeat, in order per device', async () => {
    const committed = await crashRuns({
      url: broker.url,
      dataDir,
      gatewayId: 'crash-gw',
      kills: 8,
      random: seededRandom('outbox crash test'),
      minRunMs: 150,
      maxRunMs: 900,
      readingsPerSecond: 3000,
      devices: 6,
      buffer: { commitInterval: '30ms', drain: { historyBatch: 200, inflight: 50, messagesPerSecond: 400, bytesPerSecond: 1e9 } },
    });
    const total = [...committed.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(1000);
    // The recorder may still be receiving the last messages the final pump published.
    await waitFor('every committed reading upstream', () => checkDelivery(recorder.received, committed).missing === 0, 15_000);
    const report = checkDelivery(recorder.received, committed);
    expect(report.problems).toEqual([]);
    expect(report.readings).toBeGreaterThanOrEqual(total);
  });
});
