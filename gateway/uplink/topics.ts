/**
 * The MQTT topic contract (see gateway/uplink/asyncapi.yaml). Every topic is
 * `{prefix}/{gatewayId}/...`; ids are restricted by the config schema so they are safe topic levels.
 */
export interface TopicSet {
  base: string;
  status: string;
  health: string;
  alerts: string;
  readings(deviceId: string): string;
  history(deviceId: string): string;
  /** Absolute topic for a path below the base (as the outbox hands them out). */
  resolve(relative: string): string;
}

export function topicSet(prefix: string, gatewayId: string): TopicSet {
  const base = `${prefix}/${gatewayId}`;
  return {
    base,
    status: `${base}/status`,
    health: `${base}/health`,
    alerts: `${base}/alerts`,
    readings: (deviceId) => `${base}/devices/${deviceId}/readings`,
    history: (deviceId) => `${base}/devices/${deviceId}/history`,
    resolve: (relative) => `${base}/${relative}`,
  };
}

/** Relative topics used by the outbox. */
export const relativeTopics = {
  readings: (deviceId: string) => `devices/${deviceId}/readings`,
  history: (deviceId: string) => `devices/${deviceId}/history`,
  alerts: 'alerts',
  health: 'health',
  events: 'events',
} as const;
