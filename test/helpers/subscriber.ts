import { connect, type IClientOptions, type MqttClient } from 'mqtt';

export interface ReceivedMessage {
  topic: string;
  payload: unknown;
  raw: string;
  retain: boolean;
}

export interface Subscriber {
  messages: ReceivedMessage[];
  client: MqttClient;
  close(): Promise<void>;
}

/**
 * An upstream consumer: subscribes (QoS 1, persistent session so nothing published while it was
 * connected is missed) and keeps every message, parsed.
 */
export async function subscribe(url: string, filter: string, options: IClientOptions = {}): Promise<Subscriber> {
  const client = connect(url, { clientId: `test-sub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 200, clean: false, ...options });
  const messages: ReceivedMessage[] = [];
  client.on('message', (topic, payload, packet) => {
    const raw = payload.toString();
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // keep the raw text; the test will fail on it
    }
    messages.push({ topic, payload: parsed, raw, retain: packet.retain });
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`could not connect to ${url}`)), 10_000);
    client.once('connect', () => {
      client.subscribe(filter, { qos: 1 }, (error) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      });
    });
  });
  return { messages, client, close: () => new Promise((resolve) => client.end(true, {}, () => resolve())) };
}
