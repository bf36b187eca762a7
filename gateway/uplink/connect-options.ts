import type { IClientOptions } from 'mqtt';
import type { UplinkConfig } from './config-schema.ts';
import type { TlsMaterial } from './tls-files.ts';

/** mqtt.js hands these options to tls.connect, which also takes the key's passphrase. */
type TlsClientOptions = IClientOptions & { passphrase?: string };

/** The broker URLs in the order they are tried. */
export function brokerUrls(config: UplinkConfig): string[] {
  return Array.isArray(config.url) ? config.url : [config.url];
}

/**
 * mqtt.js options for one connection attempt. TLS is always verified against the CA bundle (or the
 * system CAs): there is deliberately no setting that turns verification off. Reconnecting is done
 * by the uplink itself (exponential backoff), so mqtt.js's own reconnect timer is disabled.
 */
export function connectOptions(config: UplinkConfig, clientId: string, will: { topic: string; payload: string }, tls: TlsMaterial = {}): TlsClientOptions {
  const options: TlsClientOptions = {
    clientId,
    protocolVersion: 4,
    clean: true,
    keepalive: Math.max(1, Math.round(config.keepalive / 1000)),
    connectTimeout: config.connectTimeout,
    reconnectPeriod: 0,
    queueQoSZero: false,
    will: { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true },
  };
  if (config.username !== undefined) options.username = config.username;
  if (config.password !== undefined) options.password = config.password.reveal();
  if (config.tls) {
    options.rejectUnauthorized = true;
    // The files are read by TlsFiles (in the uplink), which never throws from a reconnect.
    if (tls.ca) options.ca = tls.ca;
    if (tls.cert) options.cert = tls.cert;
    if (tls.key) options.key = tls.key;
    if (config.tls.keyPassphrase) options.passphrase = config.tls.keyPassphrase.reveal();
    if (config.tls.servername) options.servername = config.tls.servername;
  }
  return options;
}

/** A URL without credentials, for logs. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable url)';
  }
}
