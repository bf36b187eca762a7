/**
 * Fleet benchmark: N gateways (the real SqliteOutbox and MqttUplink, each with its own data folder,
 * gateway id, six devices and MQTT connection) send to a real three-node RabbitMQ cluster while one
 * node is SIGKILLed and later started again, then another is stopped cleanly and started again; the
 * run ends with every node up and the fleet drained. A platform consumer (durable QoS 1
 * subscription, de-duplication on gateway/device/seq) reports gaps and repeats.
 *
 *   node deploy/runtime/launch.cjs test/bench/fleet.ts [gateways=200] [--per-process 50] [--interval 10s] [--steady 30s] [--down 15s]
 *
 * `--interval 1s` is the stressed rate (each device every second instead of every 10 s).
 * Each figure is printed next to its baseline from the same run: reconnect times next to the
 * fleet's first connect, acknowledged readings next to produced ones, per-gateway CPU and memory
 * next to an empty worker process (the Node runtime with the same modules and no gateway).
 */
import { execFileSync } from 'node:child_process';
import { rabbitmqMissing, startRabbitCluster, type RabbitCluster } from '../helpers/rabbitmq-cluster.ts';
import { runFleet } from '../helpers/fleet/run.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text} (e.g. 10s, 500ms, 2m)`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
}

const positional = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
const gateways = Number(positional[0] ?? 200);
const perProcess = Number(arg('per-process', '50'));
const intervalMs = seconds(arg('interval', '10s'));
const steadyMs = seconds(arg('steady', '30s'));
const downMs = seconds(arg('down', '15s'));
const devices = 6;

const missing = rabbitmqMissing();
if (missing) {
  process.stdout.write(`fleet benchmark SKIPPED: ${missing}\n`);
  process.exit(0);
}
/** RSS (bytes) and CPU time (s) of every process of the cluster's nodes (their process groups). */
function brokerUsage(c: RabbitCluster): { rssBytes: number; cpuS: number } {
  let rssBytes = 0;
  let cpuS = 0;
  for (const node of c.nodes) {
    if (node.pid === null) continue;
    try {
      const out = execFileSync('ps', ['-o', 'rss=,cputimes=', '-g', String(node.pid)], { encoding: 'utf8' });
      for (const line of out.trim().split('\n')) {
        const [rss, cpu] = line.trim().split(/\s+/).map(Number);
        rssBytes += (rss ?? 0) * 1024;
        cpuS += cpu ?? 0;
      }
    } catch {
      // A node between restarts.
    }
  }
  return { rssBytes, cpuS };
}

const t0 = Date.now();
const say = (line: string): void => void process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);
say(`starting a 3-node RabbitMQ cluster ...`);
let cluster;
try {
  cluster = await startRabbitCluster();
} catch (error) {
  process.stdout.write(`fleet benchmark SKIPPED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(0);
}
// Ctrl-C: stop the nodes this run started before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping the cluster`);
    void cluster.stop().finally(() => process.exit(130));
  });
}
say(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${cluster.urls.join(' ')}`);
const idleBroker = brokerUsage(cluster);
const steadyBroker: Partial<Record<'start' | 'end', { rssBytes: number; cpuS: number; tMs: number }>> = {};
try {
  const f = await runFleet(cluster, { gateways, perProcess, devicesPerGateway: devices, intervalMs, steadyMs, downMs, failures: ['kill', 'stop'], say, onSteady: (phase) => (steadyBroker[phase] = { ...brokerUsage(cluster!), tMs: Date.now() }) });
  const b0 = steadyBroker.start!;
  const b1 = steadyBroker.end!;
  const brokerCpuPct = ((b1.cpuS - b0.cpuS) / ((b1.tMs - b0.tMs) / 1000)) * 100;
  const ms = (v: number): string => `${(v / 1000).toFixed(2)} s`;
  const lines = [
    '',
    `fleet: ${f.gateways} gateways x ${devices} devices, one reading per device every ${intervalMs / 1000} s, ${f.processes} processes of up to ${f.perProcess} gateways`,
    `readings/s acknowledged by the cluster, steady state: ${f.steady.acknowledgedPerS.toFixed(1)} (baseline: produced ${f.steady.producedPerS.toFixed(1)}/s; platform received ${f.steady.receivedPerS.toFixed(1)}/s)`,
    `readings/s acknowledged during the failure phase:  ${f.duringFailuresAckPerS.toFixed(1)} (baseline: steady ${f.steady.acknowledgedPerS.toFixed(1)})`,
    ...f.failures.map(
      (x) =>
        `reconnect after ${x.kind === 'kill' ? 'SIGKILL' : 'clean stop'} of a node with ${x.gatewaysOnNode} gateways: ${x.reconnect.count} reconnected, median ${ms(x.reconnect.medianMs)}, max ${ms(x.reconnect.maxMs)}, not back ${x.notReconnected} (baseline: a fresh client got into a surviving node after ${x.clusterAcceptsMs === null ? 'never' : ms(x.clusterAcceptsMs)}; first connect of the fleet median ${ms(f.initialConnect.medianMs)}, max ${ms(f.initialConnect.maxMs)}); node restart ${x.restartMs === null ? '-' : ms(x.restartMs)}`,
    ),
    `readings produced: ${f.produced}; received distinct: ${f.produced - f.delivery.lost}; LOST: ${f.delivery.lost}${f.delivery.lostExamples.length ? ` (e.g. ${f.delivery.lostExamples.join(', ')})` : ''}`,
    `repeats: ${f.delivery.repeats} (${(f.delivery.repeats / Math.max(1, f.produced) * 100).toFixed(3)}% of readings), differing from the first delivery: ${f.delivery.differingRepeats}`,
    `after the devices stopped: every outbox empty in ${ms(f.drainMs)}, the platform had everything after ${ms(f.platformCaughtUpMs)}; status: ${f.onlineStatusSeen} online messages seen for ${f.connects} connections; gateways whose current connection's status did not reach the platform: ${f.statusMissing}${f.statusMissingExamples.length ? ` (${f.statusMissingExamples.join('; ')})` : ''}`,
    `payload per reading: live ${(f.traffic.live.bytes / Math.max(1, f.traffic.live.messages)).toFixed(0)} B in ${f.traffic.live.messages} messages; history ${(f.traffic.history.bytes / Math.max(1, f.traffic.history.readings)).toFixed(0)} B per reading in ${f.traffic.history.messages} batches of ${(f.traffic.history.readings / Math.max(1, f.traffic.history.messages)).toFixed(1)} on average; topic ${f.traffic.topicBytes} B`,
    `cluster (3 nodes together) at steady state: ${brokerCpuPct.toFixed(0)}% of one core, ${(brokerCpuPct / 100 / f.steady.acknowledgedPerS * 1000).toFixed(2)} ms of CPU per reading (ps cputimes, 1 s resolution); RSS ${(b1.rssBytes / 1e6).toFixed(0)} MB with ${f.gateways} gateways connected (baseline: ${(idleBroker.rssBytes / 1e6).toFixed(0)} MB idle), ${((b1.rssBytes - idleBroker.rssBytes) / f.gateways / 1e3).toFixed(0)} KB per connection`,
    `gateway CPU: ${f.cpuPctPerGateway.toFixed(3)}% of one core per gateway (baseline: empty worker process ${f.baselineWorker.cpuPct.toFixed(3)}%)`,
    `gateway memory: ${f.rssMbPerGateway.toFixed(2)} MB RSS per gateway above the runtime (baseline: empty worker process ${f.baselineWorker.rssMb.toFixed(1)} MB; workers ${f.workerRssMb.map((m) => m.toFixed(0)).join('/')} MB)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.exitCode = f.delivery.lost === 0 && f.delivery.differingRepeats === 0 ? 0 : 1;
} finally {
  await cluster.stop();
}
