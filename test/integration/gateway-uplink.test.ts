import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTcp, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { SimSlave } from '../../drivers/sim/slave.ts';
import { payloadValidators, schemaForTopic } from '../helpers/asyncapi.ts';
import { spawnCli, waitForExit } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { subscribe, type Subscriber } from '../helpers/subscriber.ts';

interface ReadingMsg {
  device: string;
  seq: number;
  values: Record<string, unknown>;
}

const validators = payloadValidators();

/** Every reading the subscriber has, from live and history topics, for one device. */
function readingsOf(sub: Subscriber, device: string): ReadingMsg[] {
  const out: ReadingMsg[] = [];
  for (const m of sub.messages) {
    if (m.topic.endsWith(`/devices/${device}/readings`)) out.push(m.payload as ReadingMsg);
    if (m.topic.endsWith(`/devices/${device}/history`)) out.push(...(m.payload as { readings: ReadingMsg[] }).readings);
  }
  return out;
}

function seqsOf(sub: Subscriber, device: string): Set<number> {
  return new Set(readingsOf(sub, device).map((r) => r.seq));
}

function contiguousFromOne(seqs: Set<number>): boolean {
  for (let s = 1; s <= seqs.size; s++) if (!seqs.has(s)) return false;
  return true;
}

describe('the gateway process against a real Mosquitto', () => {
  let broker: RunningMosquitto;
  let sub: Subscriber;
  let sim: SimEndpoint;
  let configFile: string;
  const slave = new SimSlave(1);

  beforeAll(async () => {
    broker = await startMosquitto();
    sub = await subscribe(broker.url, 'citygw/#');
    slave.setRegisters('holding', 1, [1850, 0, 2150, 0, 400]);
    sim = await serveTcp(new Map([[1, slave]]), { framing: 'tcp' });
    const dir = mkdtempSync(join(tmpdir(), 'citygw-gw-'));
    configFile = join(dir, 'citygw.yaml');
    writeFileSync(
      configFile,
      `gateway:
  id: canal-test
  dataDir: ./data
  healthInterval: 1s
uplink:
  url: ${broker.url}
  reconnectMin: 200ms
  reconnectMax: 1s
buffer:
  commitInterval: 50ms
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
    interval: 100ms
`,
    );
  });

  afterAll(async () => {
    await sub?.close();
    await sim?.stop();
    await broker?.stop();
  });

  it('publishes readings with increasing seq, retained status and health, all matching the AsyncAPI schemas; a broker restart loses nothing; seq survives a restart', async () => {
    const gw = spawnCli(['run', '--config', configFile]);
    try {
      await waitFor('5 readings', () => readingsOf(sub, 'canal-level').length >= 5, 20_000);
      const first = readingsOf(sub, 'canal-level');
      expect(first[0]!.values.level_m).toBeCloseTo(2.15, 3);
      for (let i = 1; i < first.length; i++) expect(first[i]!.seq).toBe(first[i - 1]!.seq + 1);
      await waitFor('status online and a health message', () =>
        sub.messages.some((m) => m.topic === 'citygw/canal-test/status' && (m.payload as { state: string }).state === 'online') &&
        sub.messages.some((m) => m.topic === 'citygw/canal-test/health'),
      );

      // The broker goes away while readings keep coming; they wait in the outbox.
      await broker.stop();
      const beforeOutage = Math.max(...seqsOf(sub, 'canal-level'));
      await new Promise((r) => setTimeout(r, 1500));
      broker = await startMosquitto({ port: broker.port });
      await waitFor('the backlog and new readings after the broker returns', () => {
        const seqs = seqsOf(sub, 'canal-level');
        return Math.max(...seqs) > beforeOutage + 15 && contiguousFromOne(seqs);
      }, 30_000);
      expect(sub.messages.some((m) => m.topic.endsWith('/devices/canal-level/history'))).toBe(true);

      gw.kill('SIGTERM');
      expect(await waitForExit(gw, 15_000)).toBe(0);
      await waitFor('retained status offline', () => {
        const statuses = sub.messages.filter((m) => m.topic === 'citygw/canal-test/status');
        return (statuses.at(-1)?.payload as { state: string } | undefined)?.state === 'offline';
      });
    } finally {
      if (gw.exitCode === null) gw.kill('SIGKILL');
    }

    // Health carries loss counters and the bus's own counters.
    const health = sub.messages.filter((m) => m.topic === 'citygw/canal-test/health').at(-1)!.payload as { buses: Array<{ bus: string; transactions: number }>; outbox: { streams: Record<string, { stored: number }> } };
    expect(health.buses.find((b) => b.bus === 'plc')?.transactions).toBeGreaterThan(0);
    expect(health.outbox.streams['canal-level']?.stored).toBeGreaterThan(0);

    // Everything published matches its schema in the AsyncAPI document.
    for (const message of sub.messages) {
      const validate = validators[schemaForTopic(message.topic)];
      expect(validate(message.payload), `${message.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }

    // A second run continues the sequence where the first stopped.
    const lastSeq = Math.max(...seqsOf(sub, 'canal-level'));
    const gw2 = spawnCli(['run', '--config', configFile]);
    try {
      await waitFor('readings from the second run', () => Math.max(...seqsOf(sub, 'canal-level')) > lastSeq + 2, 20_000);
      expect(contiguousFromOne(seqsOf(sub, 'canal-level'))).toBe(true);
      gw2.kill('SIGTERM');
      expect(await waitForExit(gw2, 15_000)).toBe(0);
    } finally {
      if (gw2.exitCode === null) gw2.kill('SIGKILL');
    }
  });
});
