import { z } from 'zod';
import { durationMs, identifier } from '../../core/units.ts';
import { secret } from '../../core/secret.ts';
import { configFile } from '../../core/paths.ts';

const brokerUrl = z
  .string()
  .regex(/^(mqtts?|wss?|tcp|ssl):\/\/[^\s]+$/, 'expected a broker URL such as mqtt://127.0.0.1:1883 or mqtts://broker.example:8883');

/** `uplink`: where readings go. Absent: readings stay in the outbox (or, in the demo, an embedded broker). */
export const uplinkSchema = z.strictObject({
  /**
   * One URL, or the nodes of a broker cluster. With several, each gateway tries them in its own
   * shuffled order (the list is not a preference) and, on losing one, tries the others at once.
   */
  url: z.union([brokerUrl, z.array(brokerUrl).min(1)]),
  clientId: z.string().min(1).max(128).optional(),
  username: z.string().min(1).optional(),
  password: secret.optional(),
  tls: z
    .strictObject({
      /** CA bundle file that signs the broker's certificate; without it the system CAs are used. */
      ca: configFile.optional(),
      /** Client certificate and key (PEM) for brokers that authenticate gateways by certificate. */
      cert: configFile.optional(),
      key: configFile.optional(),
      keyPassphrase: secret.optional(),
      /** Server name to verify when it differs from the URL's host. */
      servername: z.string().min(1).optional(),
    })
    .optional(),
  topicPrefix: identifier.default('citygw'),
  format: z.enum(['json']).default('json'),
  keepalive: durationMs.default(30_000),
  connectTimeout: durationMs.default(10_000),
  /**
   * First wait after every broker refused; doubles up to `reconnectMax` while they stay away. Each
   * wait is drawn from [backoff/2, backoff] so a fleet does not reconnect in lockstep.
   */
  reconnectMin: durationMs.default(1_000),
  /**
   * Longest wait between rounds of attempts: a broker that comes back is found within this (plus
   * one connect). Raise it on a metered link where a long outage should cost fewer attempts.
   */
  reconnectMax: durationMs.default(10_000),
  /**
   * How a backlog (what was stored while the link was down) is sent: `history` (default) in batches
   * on `devices/{id}/history` after the live readings; `live`: one reading per message on
   * `devices/{id}/readings`, oldest first, for platforms that subscribe to `readings` only.
   */
  backlog: z.enum(['history', 'live']).default('history'),
});

export type UplinkConfig = z.output<typeof uplinkSchema>;
