/**
 * A real three-node RabbitMQ cluster (Debian's rabbitmq-server with its bundled MQTT plugin) on
 * loopback ports, for the fleet tests and benchmark.
 *
 * Each node has its own node name, AMQP, MQTT and distribution ports, data folder and config file;
 * the nodes join one cluster on their first boot through classic peer discovery (the config lists
 * all three; they boot one after the other, see below), and durable MQTT subscriptions are quorum queues replicated on every node. Erlang's
 * port mapper (epmd) is one this helper starts on a private loopback port, so a system RabbitMQ or
 * epmd on the machine is neither used nor disturbed. When run as root the nodes run as the
 * `rabbitmq` user and their folders are owned by it. Every node runs in its own process group; the
 * helper signals only the groups it started.
 *
 * Limits of the broker that the tests and the gateway design around: MQTT 3.1.1 only (no MQTT 5
 * session expiry or reason codes); retained messages live on the node that received them; the MQTT
 * plugin needs a majority of the nodes up (with two of three down the last one refuses MQTT
 * connections, and the gateways keep everything in their outboxes).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { freePort, portOpen } from './free-port.ts';

const serverScript = process.env.CITYGW_RABBITMQ_SERVER ?? '/usr/lib/rabbitmq/bin/rabbitmq-server';
const epmdBin = '/usr/bin/epmd';

export interface RabbitNode {
  /** 1-based, as in the node name. */
  index: number;
  /** Erlang node name, e.g. `citygw-3f2a-1@localhost`. */
  name: string;
  amqpPort: number;
  mqttPort: number;
  distPort: number;
  /** `mqtt://127.0.0.1:PORT` */
  url: string;
  dataDir: string;
  /** Whether the node's process is alive (it may still be booting). */
  readonly running: boolean;
  /** The node's process group id while running (the helper signals only this group). */
  readonly pid: number | null;
  /** Hard failure: SIGKILL to the node's process group, resolves when it is gone. */
  kill(): Promise<void>;
  /** Clean stop: SIGTERM (RabbitMQ shuts down in order), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** Starts the node again on its data folder and waits until it accepts MQTT connections. */
  start(timeoutMs?: number): Promise<void>;
  /** The node's last log lines. */
  log(): string;
}

export interface RabbitCluster {
  nodes: RabbitNode[];
  /** The nodes' MQTT URLs, in node order. */
  urls: string[];
  /** Stops every node and epmd (bounded), removes the data folders. Safe to call twice. */
  stop(): Promise<void>;
}

export interface RabbitClusterOptions {
  size?: number;
  /** How long the whole cluster may take to start and form (boot is slow on a busy 2-core box). */
  startTimeoutMs?: number;
}

interface RunAs {
  uid?: number;
  gid?: number;
}

function runAs(): RunAs | string {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const id = (flag: string): number => Number(spawnSync('id', [flag, 'rabbitmq'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || uid <= 0 || !Number.isInteger(gid)) return 'there is no rabbitmq user (install the Debian package rabbitmq-server)';
  return { uid, gid };
}

/**
 * Why a cluster cannot be started on this machine, or null when it can be tried. Cheap: looks for
 * the server script, epmd and the user; a node that then fails to boot is reported by
 * startRabbitCluster.
 */
export function rabbitmqMissing(): string | null {
  if (!existsSync(serverScript)) return `RabbitMQ is not installed (${serverScript} missing; Debian package rabbitmq-server)`;
  if (!existsSync(epmdBin)) return `Erlang's epmd is missing (${epmdBin}; Debian package erlang-base)`;
  const who = runAs();
  return typeof who === 'string' ? who : null;
}

function tail(text: string, max = 16_000): string {
  return text.length > max ? text.slice(-max) : text;
}

/** The most telling line of a node's log, for a one-line failure reason. */
function reasonFrom(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = lines.filter((l) => /\[(error|critical|alert|emergency)\]|error|failed|eaddrinuse|eacces/i.test(l));
  const line = bad.at(-1) ?? lines.at(-1) ?? 'no output';
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

async function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    // Detached: the node (shell wrapper, beam.smp, erl_child_setup) is one process group we started.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Publishes on every node and waits until one subscriber on the first node has seen them all. */
async function checkOneCluster(urls: string[], deadlineMs: number): Promise<string | null> {
  const token = randomBytes(4).toString('hex');
  const topic = `citygw-cluster-check/${token}`;
  const seen = new Set<string>();
  const sub = mqtt.connect(urls[0]!, { clientId: `check-sub-${token}`, clean: true, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
  sub.on('error', () => {});
  sub.on('message', (_topic, payload) => seen.add(payload.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      sub.once('connect', () => resolve());
      sub.once('close', () => reject(new Error('first node closed the check connection')));
    });
    await sub.subscribeAsync(topic, { qos: 1 });
    while (Date.now() < deadlineMs) {
      for (const url of urls) {
        if (seen.has(url)) continue;
        const pub = mqtt.connect(url, { clientId: `check-pub-${token}-${randomBytes(2).toString('hex')}`, clean: true, reconnectPeriod: 0, connectTimeout: 5000, protocolVersion: 4 });
        pub.on('error', () => {});
        try {
          await new Promise<void>((resolve, reject) => {
            pub.once('connect', () => resolve());
            pub.once('close', () => reject(new Error('closed')));
          });
          await pub.publishAsync(topic, url, { qos: 1 });
        } catch {
          // A node still finishing its boot refuses MQTT for a moment: try it again below.
        } finally {
          pub.end(true);
        }
      }
      const waitUntil = Date.now() + 1000;
      while (seen.size < urls.length && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 50));
      if (seen.size === urls.length) return null;
    }
    const missing = urls.filter((u) => !seen.has(u));
    return `messages published on ${missing.join(', ')} did not reach a subscriber on ${urls[0]}: the nodes did not form one cluster`;
  } catch (error) {
    return `cluster check failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    sub.end(true);
  }
}

/**
 * Starts a RabbitMQ cluster of `size` nodes (default 3) on free loopback ports and waits (bounded)
 * until every node accepts MQTT connections and a message published on each node reaches a
 * subscriber on the first. Throws an Error whose message is one line saying why when a node does
 * not come up (the caller reports it and skips).
 */
export async function startRabbitCluster(options: RabbitClusterOptions = {}): Promise<RabbitCluster> {
  const missing = rabbitmqMissing();
  if (missing) throw new Error(missing);
  const who = runAs() as RunAs;
  const size = options.size ?? 3;
  const deadlineMs = Date.now() + (options.startTimeoutMs ?? 150_000);
  const tag = randomBytes(2).toString('hex');
  const base = mkdtempSync(join(tmpdir(), 'citygw-rabbit-'));
  const own = (path: string): void => {
    if (who.uid !== undefined) chownSync(path, who.uid, who.gid!);
  };
  own(base);
  chmodSync(base, 0o700);
  // The Erlang cookie that lets the nodes (and rabbitmqctl, for a person looking in) talk.
  const cookie = join(base, '.erlang.cookie');
  writeFileSync(cookie, randomBytes(20).toString('hex'), { mode: 0o400 });
  own(cookie);

  const epmdPort = await freePort();
  const epmd = spawn(epmdBin, ['-port', String(epmdPort), '-address', '127.0.0.1'], { ...who, stdio: 'ignore', detached: true });
  epmd.on('error', () => {});
  let stopped = false;

  const nodes: Array<InternalNode> = [];
  const names: string[] = [];
  for (let i = 1; i <= size; i++) names.push(`citygw-${tag}-${i}@localhost`);

  for (let i = 1; i <= size; i++) {
    const [amqpPort, mqttPort, distPort] = [await freePort(), await freePort(), await freePort()];
    const dataDir = join(base, `node${i}`);
    mkdirSync(join(dataDir, 'log'), { recursive: true });
    const conf = join(dataDir, 'rabbitmq.conf');
    writeFileSync(
      conf,
      [
        `listeners.tcp.default = 127.0.0.1:${amqpPort}`,
        `mqtt.listeners.tcp.default = 127.0.0.1:${mqttPort}`,
        'mqtt.allow_anonymous = true',
        // Durable (clean session false) MQTT subscriptions become quorum queues on every node, so a
        // platform's subscription survives the loss of the node it was created on.
        'mqtt.durable_queue_type = quorum',
        // Unacknowledged messages per MQTT subscriber (default 10): with 10 a single platform
        // consumer takes only about 160 messages/s here, far less than a fleet can publish.
        'mqtt.prefetch = 200',
        // The default guest user may connect from loopback only, which is all these nodes listen on.
        'cluster_formation.peer_discovery_backend = classic_config',
        ...names.map((name, n) => `cluster_formation.classic_config.nodes.${n + 1} = ${name}`),
        // Test data folders are small: do not refuse publishers because the disk is nearly full.
        'disk_free_limit.absolute = 1MB',
        'log.console.level = info',
        '',
      ].join('\n'),
    );
    const plugins = join(dataDir, 'enabled_plugins');
    writeFileSync(plugins, '[rabbitmq_mqtt].\n');
    for (const path of [dataDir, join(dataDir, 'log'), conf, plugins]) own(path);

    let child: ChildProcess | null = null;
    let output = '';
    const env: NodeJS.ProcessEnv = {
      PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
      LANG: 'C.UTF-8',
      HOME: base,
      ERL_EPMD_PORT: String(epmdPort),
      RABBITMQ_NODENAME: names[i - 1],
      // Not /etc/rabbitmq/rabbitmq-env.conf: nothing of a system RabbitMQ leaks into the test nodes.
      RABBITMQ_CONF_ENV_FILE: '/dev/null',
      RABBITMQ_CONFIG_FILE: conf,
      RABBITMQ_ENABLED_PLUGINS_FILE: plugins,
      RABBITMQ_MNESIA_BASE: join(dataDir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(dataDir, 'log'),
      RABBITMQ_LOGS: '-',
      RABBITMQ_DIST_PORT: String(distPort),
      // Inter-node traffic on loopback only.
      RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    };
    const node: InternalNode = {
      index: i,
      name: names[i - 1]!,
      amqpPort,
      mqttPort,
      distPort,
      url: `mqtt://127.0.0.1:${mqttPort}`,
      dataDir,
      get child() {
        return child;
      },
      get running() {
        return child !== null && child.exitCode === null && child.signalCode === null;
      },
      get pid() {
        return node.running ? (child!.pid ?? null) : null;
      },
      log: () => output,
      boot() {
        output = '';
        const started = spawn(serverScript, [], { ...who, env, cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
        started.on('error', (error) => {
          output = tail(`${output}\nspawn failed: ${error.message}\n`);
        });
        const keep = (chunk: Buffer): void => {
          output = tail(output + chunk.toString());
        };
        started.stdout!.on('data', keep);
        started.stderr!.on('data', keep);
        child = started;
      },
      async kill() {
        if (!child) return;
        signalGroup(child, 'SIGKILL');
        await waitExit(child, 10_000);
      },
      async stop(timeoutMs = 30_000) {
        if (!child) return;
        signalGroup(child, 'SIGTERM');
        if (!(await waitExit(child, timeoutMs))) {
          signalGroup(child, 'SIGKILL');
          await waitExit(child, 10_000);
        }
      },
      async start(timeoutMs = 90_000) {
        if (node.running) return;
        node.boot();
        await waitMqtt(node, Date.now() + timeoutMs);
      },
    };
    nodes.push(node);
  }

  // CITYGW_KEEP_RABBIT=1 keeps the folders (with each node's console output) of a cluster that failed to start.
  let keep = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(nodes.map((n) => n.stop(5000)));
    if (epmd.pid !== undefined && epmd.exitCode === null) {
      epmd.kill('SIGTERM');
      await waitExit(epmd, 3000);
    }
    if (!keep) rmSync(base, { recursive: true, force: true });
  };

  // If the test process ends without stop() (a crash, a timeout), its nodes must not outlive it.
  const onExit = (): void => {
    for (const node of nodes) if (node.child) signalGroup(node.child, 'SIGKILL');
    if (epmd.exitCode === null) epmd.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const stopAndForget = async (): Promise<void> => {
    await stopAll();
    process.removeListener('exit', onExit);
  };

  try {
    if (!(await waitPortOpen(epmdPort, Math.min(deadlineMs, Date.now() + 10_000)))) throw new Error(`epmd did not listen on 127.0.0.1:${epmdPort}`);
    // One node after the other. Booted together they do form one cluster (classic peer discovery
    // takes a lock), but the MQTT plugin's client-id registry is a Raft group that refuses a member
    // asking to join while its leader election or another member's join is under way, and 3.10
    // does not ask again: that node then refuses every MQTT connection for good (seen here about
    // one boot in five). A node boots once the previous one accepts MQTT connections.
    for (const node of nodes) {
      node.boot();
      await waitMqtt(node, deadlineMs);
    }
    const notOne = await checkOneCluster(nodes.map((n) => n.url), Math.max(deadlineMs, Date.now() + 15_000));
    if (notOne) throw new Error(notOne);
  } catch (error) {
    if (process.env.CITYGW_KEEP_RABBIT) {
      keep = true;
      for (const node of nodes) writeFileSync(join(node.dataDir, 'console.log'), node.log());
    }
    await stopAndForget();
    throw error;
  }
  return { nodes, urls: nodes.map((n) => n.url), stop: stopAndForget };
}



type InternalNode = RabbitNode & { boot(): void; child: ChildProcess | null };

async function waitPortOpen(port: number, deadlineMs: number): Promise<boolean> {
  while (Date.now() < deadlineMs) {
    if (await portOpen(port)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** Whether the node completes an MQTT connect (CONNACK accepted) right now. */
async function mqttAccepts(url: string): Promise<boolean> {
  const client = mqtt.connect(url, { clientId: `ready-${randomBytes(4).toString('hex')}`, clean: true, reconnectPeriod: 0, connectTimeout: 4000, protocolVersion: 4 });
  client.on('error', () => {});
  try {
    return await new Promise<boolean>((resolve) => {
      client.once('connect', () => resolve(true));
      client.once('close', () => resolve(false));
    });
  } finally {
    client.end(true);
  }
}

/**
 * Until the node accepts MQTT connections: its listener is open and it can register client ids,
 * which needs a majority of the cluster.
 */
async function waitMqtt(node: RabbitNode, deadlineMs: number): Promise<void> {
  while (Date.now() < deadlineMs) {
    if (!node.running) throw new Error(`RabbitMQ node ${node.name} exited while starting: ${reasonFrom(node.log())}`);
    if ((await portOpen(node.mqttPort)) && (await mqttAccepts(node.url))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  const booted = /Server startup complete/.test(node.log()) ? 'booted, but refuses MQTT connections' : 'still booting';
  throw new Error(`RabbitMQ node ${node.name} did not accept MQTT connections on 127.0.0.1:${node.mqttPort} in time (${booted}; load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores): ${reasonFrom(node.log())}`);
}
