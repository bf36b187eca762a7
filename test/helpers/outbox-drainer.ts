import type { MqttClient } from 'mqtt';
import { DrainBudget } from '../../gateway/outbox/drain-budget.ts';
import type { BufferConfig } from '../../gateway/outbox/config-schema.ts';
import type { Outbox, OutgoingMessage } from '../../gateway/outbox/types.ts';

/**
 * A minimal drain loop over mqtt.js for tests and benchmarks: what an uplink does with the outbox
 * (nextBatch within the drain budget, publish QoS 1, ack on PUBACK, release on disconnect).
 */
export class OutboxDrainer {
  private readonly outbox: Outbox;
  private readonly client: MqttClient;
  private readonly prefix: string;
  private readonly budget: DrainBudget;
  private inflight = 0;
  private generation = 0;
  private liveSinceMs = 0;
  private connected = false;
  private scheduled: { cancel: () => void } | undefined;
  private readonly inflightIds = new Set<number>();
  /** Messages and readings acknowledged by the broker, for benchmarks. */
  acknowledgedMessages = 0;
  acknowledgedReadings = 0;
  onIdle: (() => void) | undefined;

  constructor(outbox: Outbox, client: MqttClient, prefix: string, drain: BufferConfig['drain']) {
    this.outbox = outbox;
    this.client = client;
    this.prefix = prefix;
    this.budget = new DrainBudget(drain);
  }

  start(): void {
    this.client.on('connect', () => {
      this.connected = true;
      this.liveSinceMs = Date.now();
      this.kick(0);
    });
    this.client.on('close', () => {
      if (!this.connected) return;
      this.connected = false;
      this.generation += 1;
      this.inflight = 0;
      this.outbox.release([...this.inflightIds]);
      this.inflightIds.clear();
    });
    if (this.client.connected) {
      this.connected = true;
      this.liveSinceMs = Date.now();
      this.kick(0);
    }
  }

  stop(): void {
    this.scheduled?.cancel();
    this.scheduled = undefined;
    this.connected = false;
  }

  /** In flight and waiting for their PUBACK. */
  get pending(): number {
    return this.inflight;
  }

  kick(delayMs: number): void {
    if (this.scheduled || !this.connected) return;
    const run = (): void => {
      this.scheduled = undefined;
      this.pump();
    };
    if (delayMs > 0) {
      const timer = setTimeout(run, delayMs);
      this.scheduled = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(run);
      this.scheduled = { cancel: () => clearImmediate(immediate) };
    }
  }

  private pump(): void {
    if (!this.connected) return;
    const allowance = this.budget.allowance(this.inflight);
    if (allowance.maxMessages === 0) {
      if (this.inflight === 0) this.kick(Math.max(1, this.budget.waitMs()));
      return; // a PUBACK kicks again
    }
    const batch = this.outbox.nextBatch({ liveSinceMs: this.liveSinceMs, ...allowance });
    if (batch.length === 0) {
      if (this.inflight === 0) this.onIdle?.();
      this.kick(20);
      return;
    }
    let bytes = 0;
    for (const message of batch) {
      bytes += message.payload.length;
      this.publish(message);
    }
    this.budget.spend(batch.length, bytes);
    this.kick(0);
  }

  private publish(message: OutgoingMessage): void {
    const generation = this.generation;
    this.inflight += 1;
    for (const id of message.ids) this.inflightIds.add(id);
    this.client.publish(this.prefix + message.topic, message.payload, { qos: 1 }, (error) => {
      // A PUBACK is a PUBACK, even for a message resent by mqtt.js after a reconnect.
      if (!error) {
        this.outbox.ack(message.ids);
        this.acknowledgedMessages += 1;
        this.acknowledgedReadings += message.readingCount;
      }
      if (generation !== this.generation) return;
      for (const id of message.ids) this.inflightIds.delete(id);
      if (error) this.outbox.release(message.ids);
      this.inflight -= 1;
      this.kick(0);
    });
  }
}
