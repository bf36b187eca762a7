import type { OutgoingMessage } from '../outbox/types.ts';

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
  /** The topic of a message the outbox hands out, by its lane and device. */
  forMessage(message: OutgoingMessage): string;
}

export function topicSet(prefix: string, gatewayId: string): TopicSet {
  const base = `${prefix}/${gatewayId}`;
  const readings = (deviceId: string): string => `${base}/devices/${deviceId}/readings`;
  const history = (deviceId: string): string => `${base}/devices/${deviceId}/history`;
  return {
    base,
    status: `${base}/status`,
    health: `${base}/health`,
    alerts: `${base}/alerts`,
    readings,
    history,
    forMessage(message) {
      switch (message.lane) {
        case 'live':
          return readings(message.device);
        case 'history':
          return history(message.device);
        case 'alert':
          return `${base}/alerts`;
        case 'health':
          return `${base}/health`;
        case 'event':
          return `${base}/events`;
      }
    },
  };
}
