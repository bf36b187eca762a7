/**
 * The fleet failure run, shared by the integration test (small) and test/bench/fleet.ts (full):
 * N simulated gateways in a few worker processes send to a RabbitMQ cluster while nodes are killed
 * and stopped; a platform consumer records every reading. Returns the figures; asserting or
 * printing them is the caller's business.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RabbitCluster, RabbitNode } from '../rabbitmq-cluster.ts';
import mqtt from 'mqtt';
import { FleetConsumer, type DeliveryReport } from './consumer.ts';
import type { FleetWorkerSettings, GatewaySample, ParentMessage, Transition, WorkerMessage } from './protocol.ts';
import { waitFor } from '../wait-for.ts';

const workerScript = join(import.meta.dirname, 'worker.ts');

export type FailureKind = 'kill' | 'stop';

export interface FleetRunOptions {
  gateways: number;
  /** Gateways per worker process. */
  perProcess: number;
  devicesPerGateway: number;
  /** Each device's reading interval. */
  intervalMs: number;
  /** Length of the steady-state window measured before the first failure. */
  steadyMs: number;
  /** Failures in order; each node is brought back before the next failure. */
  failures: FailureKind[];
  /** Time the fleet runs on the survivors before the failed node is started again. */
  downMs: number;
  /** Start each failed node again (the benchmark does; the small test ends with the node down). */
  restart?: boolean;
  /** Bound on waiting for the fleet to be connected again after a failure. */
  reconnectBoundMs?: number;
  /** How long the platform may take to catch up with its queue after the drain (default 10 min). */
  platformBoundMs?: number;
  /** Overrides of the gateways' uplink config (the defaults otherwise). */
  uplink?: Record<string, unknown>;
  /** Called at the start and the end of the steady window (the benchmark samples the brokers there). */
  onSteady?: (phase: 'start' | 'end') => void;
  /** Progress lines (the benchmark prints them; the test keeps them for a failure message). */
  say?: (line: string) => void;
}

export interface Spread {
  count: number;
  medianMs: number;
  maxMs: number;
}

export interface FailureFigures {
  kind: FailureKind;
  node: string;
  /** Gateways that were connected to the failed node. */
  gatewaysOnNode: number;
  /** Gateways whose connection dropped, and how long until each was connected again. */
  reconnect: Spread;
  /** Gateways not connected again within the bound. */
  notReconnected: number;
  /** The baseline: how soon a fresh MQTT client got into a surviving node (null: not within the bound). */
  clusterAcceptsMs: number | null;
  /** How long the node took to start again (null: not restarted). */
  restartMs: number | null;
}

export interface FleetFigures {
  gateways: number;
  processes: number;
  perProcess: number;
  /** All gateways connected after start (the baseline for reconnect times). */
  initialConnect: Spread;
  /** Readings produced and acknowledged per second at steady state (all nodes up). */
  steady: { producedPerS: number; acknowledgedPerS: number; receivedPerS: number };
  failures: FailureFigures[];
  /** Acknowledged readings per second over the whole failure phase. */
  duringFailuresAckPerS: number;
  delivery: DeliveryReport;
  produced: number;
  /** From the devices stopping until every outbox was empty. */
  drainMs: number;
  /** From the devices stopping until the platform had every reading (or gave up). */
  platformCaughtUpMs: number;
  /** Gateways whose `online` status of their current connection never reached the platform. */
  statusMissing: number;
  statusMissingExamples: string[];
  /** Connections made and `online` status messages the platform saw, over the fleet. */
  connects: number;
  onlineStatusSeen: number;
  /** Per gateway, from the steady window: CPU in % of one core, RSS in MB above an empty worker. */
  cpuPctPerGateway: number;
  rssMbPerGateway: number;
  /** The empty worker (Node runtime, same modules loaded, no gateway): the baseline. */
  baselineWorker: { cpuPct: number; rssMb: number };
  workerRssMb: number[];
  /** What the platform received: live messages (one reading each) and history batches, with payload bytes. */
  traffic: { live: { messages: number; bytes: number }; history: { messages: number; bytes: number; readings: number }; topicBytes: number };
}

interface Worker {
  child: ChildProcess;
  gateways: string[];
  latest: Map<string, GatewaySample>;
  cpuUs: number;
  rssBytes: number;
  reportAtMs: number;
  drained: Record<string, Record<string, number>> | null;
  ready: boolean;
  exited: boolean;
  stderr: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function spread(valuesMs: number[]): Spread {
  if (valuesMs.length === 0) return { count: 0, medianMs: 0, maxMs: 0 };
  const sorted = [...valuesMs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: sorted.length, medianMs: Math.round(median), maxMs: Math.round(sorted.at(-1)!) };
}

function startWorker(settings: FleetWorkerSettings, transitions: Transition[]): Worker {
  const child = fork(workerScript, [], {
    execArgv: ['--disable-warning=ExperimentalWarning'],
    env: { ...process.env, CITYGW_FLEET: JSON.stringify(settings) },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const worker: Worker = { child, gateways: settings.gateways, latest: new Map(), cpuUs: 0, rssBytes: 0, reportAtMs: 0, drained: null, ready: false, exited: false, stderr: '' };
  child.stderr!.on('data', (chunk: Buffer) => {
    worker.stderr = (worker.stderr + chunk.toString()).slice(-4000);
  });
  child.on('exit', () => {
    worker.exited = true;
  });
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'ready') worker.ready = true;
    else if (message.type === 'report') {
      worker.cpuUs = message.cpuUs;
      worker.rssBytes = message.rssBytes;
      worker.reportAtMs = message.tMs;
      for (const sample of message.gateways) worker.latest.set(sample.id, sample);
      transitions.push(...message.transitions);
    } else if (message.type === 'drained') worker.drained = message.lastSeqs;
  });
  return worker;
}

function tell(worker: Worker, message: ParentMessage): void {
  if (!worker.exited && worker.child.connected) worker.child.send(message);
}

/**
 * How soon the cluster accepts a new MQTT connection on one of `nodes` after `sinceMs`: the floor
 * under the gateways' reconnect times (a node must elect new leaders for the client-id registry and
 * the queues that lived on the lost node before it lets anyone in).
 */
async function clusterAcceptsAfter(nodes: RabbitNode[], sinceMs: number, boundMs: number): Promise<number | null> {
  const deadline = sinceMs + boundMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const node = nodes[i % nodes.length]!;
    const client = mqtt.connect(node.url, { clientId: `probe-${process.pid}-${i}`, clean: true, reconnectPeriod: 0, connectTimeout: 3000, protocolVersion: 4 });
    client.on('error', () => {});
    const ok = await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('close', () => resolve(false));
    });
    client.end(true);
    if (ok) return Date.now() - sinceMs;
    await sleep(100);
  }
  return null;
}

export async function runFleet(cluster: RabbitCluster, options: FleetRunOptions): Promise<FleetFigures> {
  const say = options.say ?? (() => {});
  const reconnectBoundMs = options.reconnectBoundMs ?? 60_000;
  const baseDir = mkdtempSync(join(tmpdir(), 'citygw-fleet-'));
  const transitions: Transition[] = [];
  const consumer = new FleetConsumer(cluster.urls);
  const workers: Worker[] = [];
  let baseline: Worker | null = null;
  const all = (): GatewaySample[] => workers.flatMap((w) => [...w.latest.values()]);
  const acked = (): number => all().reduce((sum, g) => sum + g.produced - g.depth, 0);
  const produced = (): number => all().reduce((sum, g) => sum + g.produced, 0);
  const cpuUs = (): number => workers.reduce((sum, w) => sum + w.cpuUs, 0);
  const check = (): void => {
    const dead = workers.find((w) => w.exited);
    if (dead) throw new Error(`a fleet worker exited: ${dead.stderr.trim().split('\n').slice(-5).join(' | ') || 'no output'}`);
  };
  const allOnline = (avoid?: RabbitNode): boolean => {
    check();
    const samples = all();
    return samples.length === options.gateways && samples.every((g) => g.state === 'online' && (!avoid || !g.broker?.startsWith(avoid.url)));
  };
  const onNode = (node: RabbitNode): number => all().filter((g) => g.state === 'online' && g.broker?.startsWith(node.url)).length;

  try {
    await consumer.start();
    say(`platform consumer subscribed (durable session, QoS 1)`);
    const ids = Array.from({ length: options.gateways }, (_, i) => `gw-${String(i + 1).padStart(4, '0')}`);
    const common = { baseDir, urls: cluster.urls, devicesPerGateway: options.devicesPerGateway, intervalMs: options.intervalMs, reportIntervalMs: 250, uplink: options.uplink };
    baseline = startWorker({ ...common, gateways: [] }, []);
    const startedAtMs = Date.now();
    for (let i = 0; i < ids.length; i += options.perProcess) workers.push(startWorker({ ...common, gateways: ids.slice(i, i + options.perProcess) }, transitions));
    await waitFor('every worker to open its gateways', () => {
      check();
      return workers.every((w) => w.ready) && baseline!.ready;
    }, 120_000);
    await waitFor('every gateway to connect', () => allOnline(), reconnectBoundMs);
    // From each gateway's first connection attempt to its first connection.
    const firstAttempt = new Map<string, number>();
    const firstOnline = new Map<string, number>();
    for (const t of transitions) {
      if (!firstAttempt.has(t.id)) firstAttempt.set(t.id, t.tMs);
      if (t.state === 'online' && !firstOnline.has(t.id)) firstOnline.set(t.id, t.tMs);
    }
    const initialConnect = spread([...firstOnline].map(([id, tMs]) => tMs - (firstAttempt.get(id) ?? startedAtMs)));
    say(`${options.gateways} gateways in ${workers.length} processes connected (median ${initialConnect.medianMs} ms, max ${initialConnect.maxMs} ms after start); nodes: ${cluster.nodes.map((n) => `${n.index}:${onNode(n)}`).join(' ')}`);

    // Steady state: once what piled up while the fleet started has drained (bounded), a window
    // with every node up.
    await sleep(Math.min(options.intervalMs, 5000));
    const depth = (): number => all().reduce((sum, g) => sum + g.depth, 0);
    const drainDeadline = Date.now() + 60_000;
    while (depth() > options.gateways && Date.now() < drainDeadline) await sleep(250);
    options.onSteady?.('start');
    const s0 = { t: Date.now(), acked: acked(), produced: produced(), received: consumer.distinct(), cpu: cpuUs(), baseCpu: baseline.cpuUs };
    await sleep(options.steadyMs);
    const s1 = { t: Date.now(), acked: acked(), produced: produced(), received: consumer.distinct(), cpu: cpuUs(), baseCpu: baseline.cpuUs };
    options.onSteady?.('end');
    const windowS = (s1.t - s0.t) / 1000;
    const steady = {
      producedPerS: (s1.produced - s0.produced) / windowS,
      acknowledgedPerS: (s1.acked - s0.acked) / windowS,
      receivedPerS: (s1.received - s0.received) / windowS,
    };
    const cpuPctPerGateway = ((s1.cpu - s0.cpu) / 1e6 / windowS / options.gateways) * 100;
    const baselineCpuPct = ((s1.baseCpu - s0.baseCpu) / 1e6 / windowS) * 100;
    const baseRss = baseline.rssBytes;
    const rssAbove = workers.reduce((sum, w) => sum + Math.max(0, w.rssBytes - baseRss), 0);
    say(`steady state over ${windowS.toFixed(0)} s: ${steady.acknowledgedPerS.toFixed(1)} readings/s acknowledged (${steady.producedPerS.toFixed(1)} produced)`);

    const failures: FailureFigures[] = [];
    const failStartMs = Date.now();
    const failStartAcked = acked();
    const used = new Set<number>();
    for (const kind of options.failures) {
      // The node carrying the most gateways, and a different one each time.
      const candidates = cluster.nodes.filter((n) => !used.has(n.index));
      const node = candidates.reduce((best, n) => (onNode(n) > onNode(best) ? n : best), candidates[0]!);
      used.add(node.index);
      const affected = all().filter((g) => g.state === 'online' && g.broker?.startsWith(node.url)).map((g) => g.id);
      const gatewaysOnNode = affected.length;
      const survivors = cluster.nodes.filter((n) => n !== node && n.running);
      const atMs = Date.now();
      // A clean stop takes a while: the clock and the probe start when it is asked for.
      const down = kind === 'kill' ? node.kill() : node.stop();
      if (kind === 'kill') await down;
      const probe = clusterAcceptsAfter(survivors, atMs, reconnectBoundMs);
      say(`${kind === 'kill' ? 'SIGKILL' : 'clean stop of'} node ${node.index} (${gatewaysOnNode} gateways on it)`);
      let notReconnected = 0;
      try {
        await waitFor(`every gateway connected again after the ${kind} of node ${node.index}`, () => allOnline(node), reconnectBoundMs);
      } catch {
        notReconnected = all().filter((g) => g.state !== 'online' || g.broker?.startsWith(node.url)).length;
      }
      await down;
      // Exact: each gateway's current connection came up at connectedSinceMs (one clock, one machine).
      const latest = new Map(all().map((g) => [g.id, g]));
      const times = affected.map((id) => latest.get(id)?.connectedSinceMs).filter((t): t is number => t !== null && t !== undefined && t >= atMs).map((t) => t - atMs);
      const reconnect = spread(times);
      const clusterAcceptsMs = await probe;
      say(`  ${reconnect.count} of ${gatewaysOnNode} gateways reconnected: median ${reconnect.medianMs} ms, max ${reconnect.maxMs} ms; the surviving nodes accepted a new connection after ${clusterAcceptsMs ?? 'never'} ms; nodes: ${cluster.nodes.map((n) => `${n.index}:${n.running ? onNode(n) : 'down'}`).join(' ')}`);
      await sleep(options.downMs);
      let restartMs: number | null = null;
      if (options.restart !== false) {
        const restartAt = Date.now();
        await node.start();
        restartMs = Date.now() - restartAt;
        say(`  node ${node.index} started again in ${(restartMs / 1000).toFixed(1)} s`);
        // A moment for the restarted node to rejoin its queues before the next failure (a majority must stay up).
        await sleep(3000);
      }
      failures.push({ kind, node: node.name, gatewaysOnNode, reconnect, notReconnected: Math.max(notReconnected, gatewaysOnNode - reconnect.count), clusterAcceptsMs, restartMs });
    }
    const duringFailuresAckPerS = (acked() - failStartAcked) / ((Date.now() - failStartMs) / 1000);

    // Drain: the devices stop, every outbox empties, the platform has everything.
    const drainAtMs = Date.now();
    for (const w of workers) tell(w, { type: 'drain' });
    await waitFor('every gateway to drain its outbox', () => {
      check();
      return workers.every((w) => w.drained !== null);
    }, 120_000);
    const drainMs = Date.now() - drainAtMs;
    const lastSeqs = Object.assign({}, ...workers.map((w) => w.drained!)) as Record<string, Record<string, number>>;
    // The platform may be behind (its queue holds what it has not taken yet): wait while it makes
    // progress; what has not come when it has stopped making progress for 15 s is counted as lost.
    let lastDistinct = -1;
    let stalledSinceMs = Date.now();
    const platformDeadline = Date.now() + (options.platformBoundMs ?? 600_000);
    while (!consumer.complete(lastSeqs) && Date.now() < platformDeadline) {
      const distinct = consumer.distinct();
      if (distinct !== lastDistinct) {
        lastDistinct = distinct;
        stalledSinceMs = Date.now();
      } else if (Date.now() - stalledSinceMs > 15_000) break;
      await sleep(500);
    }
    const platformCaughtUpMs = Date.now() - drainAtMs;
    // Late duplicates (a redelivery after a consumer reconnect) still count.
    await sleep(1000);
    const delivery = consumer.report(lastSeqs);
    const totalProduced = Object.values(lastSeqs).reduce((sum, devices) => sum + Object.values(devices).reduce((a, b) => a + b, 0), 0);
    // Published after the connection came up, so it arrives after connectedSince (one clock).
    const missingStatus = all().filter((g) => g.connectedSinceMs === null || (consumer.lastOnlineAtMs.get(g.id) ?? 0) < g.connectedSinceMs);
    const statusMissing = missingStatus.length;
    const statusMissingExamples = missingStatus.slice(0, 10).map((g) => `${g.id}: ${g.connects} connects, ${consumer.onlineStatus.get(g.id) ?? 0} online status seen, last ${consumer.lastOnlineAtMs.get(g.id) ?? '-'} vs connected ${g.connectedSinceMs}`);
    return {
      gateways: options.gateways,
      processes: workers.length,
      perProcess: options.perProcess,
      initialConnect,
      steady,
      failures,
      duringFailuresAckPerS,
      delivery,
      produced: totalProduced,
      drainMs,
      platformCaughtUpMs,
      statusMissing,
      statusMissingExamples,
      connects: all().reduce((sum, g) => sum + g.connects, 0),
      onlineStatusSeen: [...consumer.onlineStatus.values()].reduce((a, b) => a + b, 0),
      cpuPctPerGateway,
      rssMbPerGateway: rssAbove / options.gateways / 1e6,
      baselineWorker: { cpuPct: baselineCpuPct, rssMb: baseRss / 1e6 },
      workerRssMb: workers.map((w) => w.rssBytes / 1e6),
      traffic: { live: { ...consumer.live }, history: { ...consumer.history }, topicBytes: 'citygw/gw-0001/devices/dev-1/readings'.length },
    };
  } finally {
    for (const w of [...workers, ...(baseline ? [baseline] : [])]) tell(w, { type: 'stop' });
    await Promise.all(
      [...workers, ...(baseline ? [baseline] : [])].map(async (w) => {
        const deadline = Date.now() + 8000;
        while (!w.exited && Date.now() < deadline) await sleep(50);
        if (!w.exited) w.child.kill('SIGKILL');
      }),
    );
    await consumer.stop();
    rmSync(baseDir, { recursive: true, force: true });
  }
}
