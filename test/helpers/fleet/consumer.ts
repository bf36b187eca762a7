/**
 * The platform side of the fleet run, built the way "Connecting a fleet" in the README tells a
 * platform to: a durable MQTT session (clean session off, a fixed client id) with QoS 1
 * subscriptions to every gateway's readings and history, so on RabbitMQ its queue is a quorum
 * queue that outlives the node it was made on; failover over the cluster's nodes; de-duplication
 * on (gateway, device, seq). It records every reading it gets and reports, per gateway and device,
 * the seqs that never came (gaps) and those that came more than once (repeats), and whether every
 * repeat was byte-identical to the first delivery.
 */
import { createHash } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';

interface StreamRecord {
  /** seq -> hash of the reading as first received. */
  seen: Map<number, string>;
  repeats: number;
  differingRepeats: number;
}

export interface DeliveryReport {
  streams: number;
  readings: number;
  lost: number;
  repeats: number;
  differingRepeats: number;
  /** Up to 10 examples `gateway/device seq`, for a failure message. */
  lostExamples: string[];
}

export class FleetConsumer {
  readonly #urls: string[];
  readonly #clientId: string;
  #client: MqttClient | null = null;
  readonly #streams = new Map<string, StreamRecord>();
  /** `online` status messages per gateway (published on every connect, retained per node). */
  readonly onlineStatus = new Map<string, number>();
  /** When the last `online` status of each gateway arrived (ms since the epoch). */
  readonly lastOnlineAtMs = new Map<string, number>();
  readings = 0;
  /** Messages and payload bytes on `readings` (one reading each) and `history` (batches). */
  live = { messages: 0, bytes: 0 };
  history = { messages: 0, bytes: 0, readings: 0 };
  connects = 0;
  malformed = 0;

  constructor(urls: string[], clientId = 'city-platform-fleet-check') {
    this.#urls = urls;
    this.#clientId = clientId;
  }

  get connected(): boolean {
    return this.#client?.connected === true;
  }

  /** Connects with a durable session and subscribes (resolves once the subscription is in place). */
  async start(timeoutMs = 30_000): Promise<void> {
    const servers = this.#urls.map((url) => {
      const parsed = new URL(url);
      return { host: parsed.hostname, port: Number(parsed.port) };
    });
    const client = mqtt.connect({
      servers,
      clientId: this.#clientId,
      clean: false,
      protocolVersion: 4,
      reconnectPeriod: 500,
      connectTimeout: 5000,
      keepalive: 10,
    });
    this.#client = client;
    client.on('error', () => {});
    client.on('message', (topic, payload) => this.#record(topic, payload));
    let subscribed = false;
    client.on('connect', () => {
      this.connects += 1;
      // With a durable session the broker keeps the subscriptions; subscribing again is harmless
      // and covers a first connect that failed half-way.
      client.subscribe(['citygw/+/devices/+/readings', 'citygw/+/devices/+/history', 'citygw/+/status'], { qos: 1 }, (error) => {
        if (!error) subscribed = true;
      });
    });
    const deadline = Date.now() + timeoutMs;
    while (!subscribed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!subscribed) throw new Error(`the platform consumer could not subscribe on ${this.#urls.join(', ')} within ${timeoutMs} ms`);
  }

  #record(topic: string, payload: Buffer): void {
    const levels = topic.split('/');
    const gateway = levels[1]!;
    try {
      if (levels[2] === 'status') {
        if ((JSON.parse(payload.toString()) as { state?: string }).state === 'online') {
          this.onlineStatus.set(gateway, (this.onlineStatus.get(gateway) ?? 0) + 1);
          this.lastOnlineAtMs.set(gateway, Date.now());
        }
        return;
      }
      const body = JSON.parse(payload.toString()) as { device: string; seq: number } | { readings: Array<{ device: string; seq: number }> };
      const readings = 'readings' in body ? body.readings : [body];
      const lane = 'readings' in body ? this.history : this.live;
      lane.messages += 1;
      lane.bytes += payload.length;
      if ('readings' in body) this.history.readings += readings.length;
      for (const reading of readings) this.#one(gateway, reading);
    } catch {
      this.malformed += 1;
    }
  }

  #one(gateway: string, reading: { device: string; seq: number }): void {
    this.readings += 1;
    const key = `${gateway}/${reading.device}`;
    let stream = this.#streams.get(key);
    if (!stream) {
      stream = { seen: new Map(), repeats: 0, differingRepeats: 0 };
      this.#streams.set(key, stream);
    }
    // Live and history carry the same reading object: hash its canonical JSON.
    const hash = createHash('sha1').update(JSON.stringify(reading)).digest('base64');
    const first = stream.seen.get(reading.seq);
    if (first === undefined) stream.seen.set(reading.seq, hash);
    else {
      stream.repeats += 1;
      if (first !== hash) stream.differingRepeats += 1;
    }
  }

  /** Distinct readings received so far. */
  distinct(): number {
    let n = 0;
    for (const stream of this.#streams.values()) n += stream.seen.size;
    return n;
  }

  /** Whether every seq 1..last of every stream has arrived. */
  complete(lastSeqs: Record<string, Record<string, number>>): boolean {
    return this.report(lastSeqs).lost === 0;
  }

  /** Gaps and repeats against what the gateways say they produced (seq 1..last per device). */
  report(lastSeqs: Record<string, Record<string, number>>): DeliveryReport {
    let lost = 0;
    let streams = 0;
    const lostExamples: string[] = [];
    for (const [gateway, devices] of Object.entries(lastSeqs)) {
      for (const [device, last] of Object.entries(devices)) {
        streams += 1;
        const seen = this.#streams.get(`${gateway}/${device}`)?.seen;
        for (let seq = 1; seq <= last; seq++) {
          if (seen?.has(seq)) continue;
          lost += 1;
          if (lostExamples.length < 10) lostExamples.push(`${gateway}/${device} ${seq}`);
        }
      }
    }
    let repeats = 0;
    let differingRepeats = 0;
    for (const stream of this.#streams.values()) {
      repeats += stream.repeats;
      differingRepeats += stream.differingRepeats;
    }
    return { streams, readings: this.readings, lost, repeats, differingRepeats, lostExamples };
  }

  async stop(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    client.end(true);
  }
}
