import { connect, type MqttClient } from 'mqtt';
import { toError } from '../../core/errors.ts';
import { guarded, type Logger } from '../../core/log.ts';
import type { Outbox, OutgoingMessage, SendLane } from '../outbox/types.ts';
import type { BufferConfig } from '../outbox/config-schema.ts';
import type { UplinkConfig } from './config-schema.ts';
import { brokerUrls, connectOptions, safeUrl } from './connect-options.ts';
import { BrokerFailover, type BrokerAttempt } from './failover.ts';
import { DrainBudget } from '../outbox/drain-budget.ts';
import type { TopicSet } from './topics.ts';
import { Wakeup } from './wakeup.ts';
import { TlsFiles } from './tls-files.ts';

export type UplinkState = 'stopped' | 'connecting' | 'online' | 'offline';

export interface StatusDevice {
  id: string;
  kind: string;
  state: string;
}

export interface UplinkDeps {
  config: UplinkConfig;
  drain: BufferConfig['drain'];
  clientId: string;
  topics: TopicSet;
  version: string;
  log: Logger;
  outbox: Outbox;
  /** Devices listed in the retained status message. */
  statusDevices(): StatusDevice[];
}

export interface UplinkCounters {
  state: UplinkState;
  connects: number;
  disconnects: number;
  published: Record<SendLane, number>;
  acknowledged: Record<SendLane, number>;
  publishErrors: number;
  inflight: number;
  lastError: string | null;
  /** Reconnects that could not re-read a TLS file and used the copy read before. */
  tlsFileErrors: number;
  connectedSince: string | null;
  /** The broker of the current connection (without credentials), null while not online. */
  broker: string | null;
}

const zeroLanes = (): Record<SendLane, number> => ({ alert: 0, health: 0, event: 0, live: 0, history: 0 });

/**
 * Forwards the outbox to the broker: one QoS 1 publish per outgoing message, rows acknowledged in
 * the outbox only on PUBACK, released for resending when the connection drops first. On losing a
 * broker it tries the other configured brokers at once, then backs off with jitter (failover.ts); a new mqtt.js client per attempt, so the outbox stays the only store of
 * unconfirmed messages. Publishes the retained status (`online`, last will `offline`).
 */
export class MqttUplink {
  readonly #deps: UplinkDeps;
  readonly #log: Logger;
  readonly #budget: DrainBudget;
  readonly #wakeup = new Wakeup();
  readonly #tls: TlsFiles;
  #client: MqttClient | null = null;
  #generation = 0;
  #inflight = new Map<number, OutgoingMessage>();
  #nextInflightKey = 1;
  #state: UplinkState = 'stopped';
  #stateSinceMs = Date.now();
  #connectedSinceMs = 0;
  /** When the connection came up on the outbox's clock: what was stored before is backlog. */
  #connectedAtOutboxMs = 0;
  readonly #failover: BrokerFailover;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #stopping = false;
  #failedAttempts = 0;
  #drainDone: Promise<void> | null = null;
  #counters = { connects: 0, disconnects: 0, published: zeroLanes(), acknowledged: zeroLanes(), publishErrors: 0, lastError: null as string | null };

  constructor(deps: UplinkDeps) {
    this.#deps = deps;
    this.#log = deps.log;
    this.#budget = new DrainBudget(deps.drain);
    this.#tls = new TlsFiles(deps.config.tls, deps.log);
    this.#failover = new BrokerFailover(brokerUrls(deps.config), { reconnectMinMs: deps.config.reconnectMin, reconnectMaxMs: deps.config.reconnectMax });
  }

  get state(): UplinkState {
    return this.#state;
  }

  /** When the state last changed (ms since the epoch). */
  get stateSinceMs(): number {
    return this.#stateSinceMs;
  }

  #setState(state: UplinkState): void {
    if (state !== this.#state) this.#stateSinceMs = Date.now();
    this.#state = state;
  }

  /** Starts connecting; does not wait for the broker (starting offline is normal at a roadside box). */
  async start(signal: AbortSignal): Promise<void> {
    // A certificate file the config names but that cannot be read is a start-up error, said once.
    this.#tls.load();
    this.#stopping = false;
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    this.#connect(this.#failover.start());
    this.#drainDone = this.#drainLoop();
  }

  /** New rows were committed (or acknowledged): look at the outbox again. */
  wake(): void {
    this.#wakeup.wake();
  }

  counters(): UplinkCounters {
    return {
      state: this.#state,
      ...this.#counters,
      published: { ...this.#counters.published },
      acknowledged: { ...this.#counters.acknowledged },
      inflight: this.#inflight.size,
      tlsFileErrors: this.#tls.readFailures,
      connectedSince: this.#state === 'online' ? new Date(this.#connectedSinceMs).toISOString() : null,
      broker: this.#state === 'online' && this.#failover.current ? safeUrl(this.#failover.current) : null,
    };
  }

  statusPayload(state: 'online' | 'offline'): string {
    return JSON.stringify({ state, ts: new Date().toISOString(), version: this.#deps.version, devices: this.#deps.statusDevices() });
  }

  #connect(attempt: BrokerAttempt): void {
    if (this.#stopping) return;
    const url = attempt.url;
    const generation = ++this.#generation;
    this.#setState('connecting');
    // While the link is down for hours, one line per attempt would flood the journal.
    this.#log[this.#failedAttempts === 0 ? 'info' : 'debug']({ broker: safeUrl(url) }, 'connecting to broker');
    const client = connect(url, connectOptions(this.#deps.config, this.#deps.clientId, { topic: this.#deps.topics.status, payload: this.statusPayload('offline') }, this.#tls.current()));
    this.#client = client;
    client.on('connect', guarded(this.#log, 'uplink connect', () => {
      if (generation !== this.#generation) return;
      this.#setState('online');
      this.#connectedSinceMs = Date.now();
      this.#connectedAtOutboxMs = this.#deps.outbox.clockMs();
      this.#failover.connected();
      this.#failedAttempts = 0;
      this.#counters.connects += 1;
      this.#log.info({ broker: safeUrl(url) }, 'connected to broker');
      // Retained messages live on the broker node that received them: in a cluster the node this
      // connection reached may never have seen our status, so it is published on every connect.
      client.publish(this.#deps.topics.status, this.statusPayload('online'), { qos: 1, retain: true }, (error) => {
        if (error) this.#log.warn({ err: toError(error).message }, 'status publish failed');
      });
      this.wake();
    }));
    client.on('error', guarded(this.#log, 'uplink error', (error: Error) => {
      if (generation !== this.#generation) return;
      this.#counters.lastError = toError(error).message;
      this.#log[this.#failedAttempts === 0 ? 'warn' : 'debug']({ err: this.#counters.lastError, broker: safeUrl(url) }, 'broker connection error');
    }));
    client.on('close', guarded(this.#log, 'uplink close', () => {
      if (generation !== this.#generation) return;
      this.#onConnectionLost(client);
    }));
  }

  #onConnectionLost(client: MqttClient): void {
    const wasOnline = this.#state === 'online';
    this.#generation += 1;
    if (wasOnline) this.#counters.disconnects += 1;
    this.#setState(this.#stopping ? 'stopped' : 'offline');
    this.#releaseInflight();
    client.removeAllListeners();
    client.on('error', () => {});
    client.end(true);
    if (this.#stopping) return;
    if (!wasOnline) this.#failedAttempts += 1;
    const next = this.#failover.failed();
    const retry = { retryInMs: next.delayMs, next: safeUrl(next.url) };
    if (wasOnline) this.#log.warn(retry, 'broker connection lost; readings stay in the outbox');
    else this.#log.debug(retry, 'broker unreachable; retrying');
    // delayMs 0: another node of the cluster at once (on the next tick, after this client's teardown).
    this.#reconnectTimer = setTimeout(
      guarded(this.#log, 'uplink reconnect', () => {
        this.#reconnectTimer = null;
        this.#connect(next);
      }),
      next.delayMs,
    );
  }

  /** Rows that were in flight when the link dropped go back to the outbox to be sent again. */
  #releaseInflight(): void {
    if (this.#inflight.size === 0) return;
    const ids: number[] = [];
    for (const message of this.#inflight.values()) ids.push(...message.ids);
    this.#inflight.clear();
    this.#deps.outbox.release(ids);
  }

  async #drainLoop(): Promise<void> {
    while (!this.#stopping) {
      try {
        if (this.#state !== 'online' || !this.#client) {
          await this.#wakeup.wait();
          continue;
        }
        const allowance = this.#budget.allowance(this.#inflight.size);
        if (allowance.maxMessages <= 0) {
          // Full in-flight window: a PUBACK wakes us. Empty bucket: wait for it to refill.
          const windowFull = this.#inflight.size >= this.#deps.drain.inflight;
          await this.#wakeup.wait(windowFull ? undefined : Math.max(1, this.#budget.waitMs()));
          // PUBACKs come in bursts: let the rest of the burst land, then refill the window in one
          // nextBatch call instead of one call per acknowledged message.
          await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
        // With `backlog: live` everything stored counts as live: one reading per message, oldest first.
        const liveSinceMs = this.#deps.config.backlog === 'live' ? 0 : this.#connectedAtOutboxMs;
        const batch = this.#deps.outbox.nextBatch({ liveSinceMs, maxMessages: allowance.maxMessages, maxBytes: allowance.maxBytes });
        if (batch.length === 0) {
          await this.#wakeup.wait(1000);
          continue;
        }
        for (const message of batch) this.#publish(this.#client, message);
        // Let socket writes and PUBACKs be processed before taking the next batch.
        await new Promise<void>((resolve) => setImmediate(resolve));
      } catch (error) {
        this.#log.error({ err: toError(error).message }, 'drain loop error; retrying in 1 s');
        await this.#wakeup.wait(1000);
      }
    }
  }

  #publish(client: MqttClient, message: OutgoingMessage): void {
    const key = this.#nextInflightKey++;
    const generation = this.#generation;
    this.#inflight.set(key, message);
    this.#budget.spend(1, Buffer.byteLength(message.payload));
    this.#counters.published[message.lane] += 1;
    client.publish(this.#deps.topics.forMessage(message), message.payload, { qos: 1 }, (error) => {
      if (generation !== this.#generation || !this.#inflight.delete(key)) return;
      if (error) {
        this.#counters.publishErrors += 1;
        this.#deps.outbox.release(message.ids);
      } else {
        this.#counters.acknowledged[message.lane] += 1;
        this.#deps.outbox.ack(message.ids);
      }
      this.wake();
    });
  }

  /**
   * Stops: waits (bounded) for in-flight PUBACKs, publishes the retained `offline` status, closes.
   * Rows not acknowledged stay in the outbox for the next start.
   */
  async stop(timeoutMs = 3000): Promise<void> {
    if (this.#stopping) {
      await this.#drainDone;
      return;
    }
    const deadline = Date.now() + timeoutMs;
    // Online: let what the stopping field side committed last go out too (bounded), so a clean
    // stop leaves nothing behind that the broker could have had.
    while (this.#state === 'online' && this.#deps.outbox.depth() > 0 && Date.now() < deadline - 1000) {
      this.wake();
      await new Promise((r) => setTimeout(r, 20));
    }
    this.#stopping = true;
    this.wake();
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const client = this.#client;
    if (client && this.#state === 'online') {
      while (this.#inflight.size > 0 && Date.now() < deadline && this.#state === 'online') await new Promise((r) => setTimeout(r, 20));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(200, deadline - Date.now()));
        client.publish(this.#deps.topics.status, this.statusPayload('offline'), { qos: 1, retain: true }, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.#generation += 1;
    this.#releaseInflight();
    if (client) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        client.end(false, {}, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      client.end(true);
    }
    this.#setState('stopped');
    await this.#drainDone;
  }
}
