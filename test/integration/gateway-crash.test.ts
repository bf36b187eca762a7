import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveTcp, type SimEndpoint } from '../../drivers/sim/servers.ts';
import { SimSlave } from '../../drivers/sim/slave.ts';
import type { OutboxStats } from '../../gateway/outbox/types.ts';
import { payloadValidators, schemaForTopic } from '../helpers/asyncapi.ts';
import { runCli, spawnCli, waitForExit } from '../helpers/cli.ts';
import { waitFor } from '../helpers/wait-for.ts';
import { seededRandom } from '../helpers/seeded-random.ts';
import { startTcpGate, type TcpGate } from '../helpers/tcp-gate.ts';
import { checkPromise, crashConfig, deviceId, distinctSeqs } from '../helpers/gateway-crash.ts';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.ts';
import { recordAll, type Received } from '../helpers/outbox-crash.ts';

const gatewayId = 'crash-city';
/** Two Modbus TCP endpoints with three radar units each: six devices polled every 50 ms. */
const unitsPerEndpoint = [1, 2, 3];
const endpointCount = 2;

type Gateway = ReturnType<typeof spawnCli>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const random = seededRandom('gateway crash test');
const randomMs = (min: number, max: number): number => random.ms(min, max);

describe('the whole gateway process under SIGKILL, with a real Mosquitto and a link that go away', () => {
  let persistenceDir: string;
  let workDir: string;
  let broker: RunningMosquitto;
  let brokerPort: number;
  let recorder: { client: MqttClient; received: Received[] };
  let link: TcpGate;
  const sims: SimEndpoint[] = [];
  const gateways: Gateway[] = [];
  let runConfig: string;
  let drainConfig: string;
  const devices = Array.from({ length: endpointCount }, (_, e) => unitsPerEndpoint.map((u) => deviceId(e, u))).flat();

  async function startBroker(): Promise<void> {
    broker = await startMosquitto({ port: brokerPort, persistenceDir });
  }
  async function stopBroker(): Promise<void> {
    await broker.stop();
  }

  /** Starts `citygw run` and waits until its outbox is open (so a kill hits a running gateway). */
  async function startGateway(configFile: string): Promise<Gateway> {
    const gw = spawnCli(['run', '--config', configFile]);
    gateways.push(gw);
    await waitFor('the gateway to open its outbox', () => gw.output().includes('"outbox open"') || gw.exitCode !== null, 20_000);
    if (gw.exitCode !== null) throw new Error(`gateway exited with ${gw.exitCode}:\n${gw.output().slice(-3000)}`);
    return gw;
  }

  async function kill(gw: Gateway): Promise<void> {
    gw.kill('SIGKILL');
    await waitForExit(gw, 10_000).catch(() => null);
  }

  /** SIGTERM once the gateway handles it (before `gateway running` the default action ends it like a kill); expects exit 0. */
  async function stopCleanly(gw: Gateway): Promise<void> {
    await waitFor('the gateway to be running', () => gw.output().includes('"gateway running"'), 20_000);
    gw.kill('SIGTERM');
    expect(await waitForExit(gw, 15_000), `signal ${gw.signalCode}: ${gw.output().slice(-3000)}`).toBe(0);
  }

  async function bufferStats(configFile: string): Promise<OutboxStats> {
    const result = await runCli(['buffer', '--config', configFile, '--json'], { timeoutMs: 15_000 });
    if (result.code !== 0) throw new Error(`citygw buffer failed (${result.code}): ${result.stderr}`);
    return JSON.parse(result.stdout) as OutboxStats;
  }

  beforeAll(async () => {
    persistenceDir = mkdtempSync(join(tmpdir(), 'citygw-gwcrash-broker-'));
    workDir = mkdtempSync(join(tmpdir(), 'citygw-gwcrash-'));
    broker = await startMosquitto({ persistenceDir });
    brokerPort = broker.port;
    recorder = await recordAll(broker.url, gatewayId, true);
    link = await startTcpGate(brokerPort);
    const endpoints: Array<{ port: number; units: number[] }> = [];
    for (let e = 0; e < endpointCount; e++) {
      const slaves = new Map<number, SimSlave>();
      for (const unit of unitsPerEndpoint) {
        const slave = new SimSlave(unit);
        // Distinct levels per device, so a reading filed under the wrong device would show.
        slave.setRegisters('holding', 1, [1850, 0, 2000 + 10 * e + unit, 0, 400]);
        slaves.set(unit, slave);
      }
      const sim = await serveTcp(slaves, { framing: 'tcp' });
      sims.push(sim);
      endpoints.push({ port: sim.port, units: unitsPerEndpoint });
    }
    runConfig = join(workDir, 'run.yaml');
    drainConfig = join(workDir, 'drain.yaml');
    writeFileSync(runConfig, crashConfig({ gatewayId, brokerUrl: link.url, endpoints, withDevices: true }));
    writeFileSync(drainConfig, crashConfig({ gatewayId, brokerUrl: link.url, endpoints, withDevices: false }));
  });

  afterAll(async () => {
    for (const gw of gateways) if (gw.exitCode === null && gw.signalCode === null) gw.kill('SIGKILL');
    await recorder?.client.endAsync(true);
    for (const sim of sims) await sim.stop();
    await link?.close();
    await broker?.stop();
    rmSync(workDir, { recursive: true, force: true });
    rmSync(persistenceDir, { recursive: true, force: true });
  });

  it('delivers every stored reading at least once across SIGKILLs and broker outages, identical on repeat, in order per device and topic', async () => {
    const kills: string[] = [];
    const receivedSeqs = (): number => [...distinctSeqs(recorder.received).values()].reduce((n, s) => n + s.size, 0);

    // 1. Broker up: writing and sending live.
    let gw = await startGateway(runConfig);
    await waitFor('live readings upstream', () => receivedSeqs() > 20, 20_000);
    await sleep(randomMs(100, 900));
    await kill(gw);
    kills.push('writing+live');

    // 2. The broker goes away while the gateway writes; killed while it is only writing.
    gw = await startGateway(runConfig);
    await sleep(randomMs(200, 700));
    await stopBroker();
    await sleep(randomMs(400, 1200));
    await kill(gw);
    kills.push('writing, broker down');

    // 3. Restarted with the broker still down: only writing, the backlog grows.
    gw = await startGateway(runConfig);
    await sleep(randomMs(500, 1500));
    await kill(gw);
    kills.push('writing, broker down');

    // 4. Broker back: the backlog drains on history while live readings go out; killed mid-drain.
    await startBroker();
    const before = receivedSeqs();
    gw = await startGateway(runConfig);
    await waitFor('the drain to start', () => receivedSeqs() > before + 10, 20_000);
    await sleep(randomMs(0, 400));
    await kill(gw);
    kills.push('draining backlog');

    // 5. The link goes dark while readings go out: publishes leave and are never acknowledged.
    gw = await startGateway(runConfig);
    const before5 = receivedSeqs();
    await waitFor('live readings upstream', () => receivedSeqs() > before5 + 10, 20_000);
    link.blackhole();
    await sleep(randomMs(200, 800));
    await kill(gw);
    link.heal();
    kills.push('publishing into a dead link');

    // 6. Link back: what was in flight goes out again; killed while sending.
    const before6 = receivedSeqs();
    gw = await startGateway(runConfig);
    await waitFor('readings upstream again', () => receivedSeqs() > before6 + 5, 20_000);
    await sleep(randomMs(0, 600));
    await kill(gw);
    kills.push('sending after the link returned');

    // A last run with the devices: readings and the backlog go out, then a clean stop.
    gw = await startGateway(runConfig);
    await sleep(1500);
    await stopCleanly(gw);

    // The readings committed during the stop still wait: a run without devices sends them.
    gw = await startGateway(drainConfig);
    await waitFor('an empty outbox', async () => {
      const s = await bufferStats(drainConfig);
      return devices.every((d) => s.streams[d]?.depth === 0);
    }, 20_000, 300);
    await stopCleanly(gw);
    const stats = await bufferStats(drainConfig);

    const stored = devices.reduce((n, d) => n + (stats.streams[d]?.stored ?? 0), 0);
    expect(stored).toBeGreaterThan(300);
    // Nothing is lost here by retention, so every stored reading must be upstream.
    for (const d of devices) expect(stats.streams[d]!.evicted + stats.streams[d]!.expired + stats.streams[d]!.rejected).toBe(0);
    // The recorder may still be receiving what the broker queued for it.
    await waitFor('the recorder to catch up', () => checkPromise(recorder.received, stats.streams, devices).problems.length === 0, 10_000).catch(() => undefined);
    const report = checkPromise(recorder.received, stats.streams, devices);
    expect(report.problems, `kills: ${kills.join(', ')}`).toEqual([]);
    expect(recorder.received.some((m) => m.topic.endsWith('/history'))).toBe(true);

    const validators = payloadValidators();
    for (const message of recorder.received) {
      const validate = validators[schemaForTopic(message.topic)];
      expect(validate(JSON.parse(message.payload)), `${message.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
