import type { BusHealth, DeviceStats } from '../../drivers/types.ts';
import type { OutboxStats } from '../outbox/types.ts';
import type { UplinkCounters } from '../uplink/mqtt-uplink.ts';
import { callbackFailureCount } from '../../core/log.ts';

/** The payload of `{prefix}/{gatewayId}/health` (schema: HealthPayload in asyncapi.yaml). */
export interface HealthPayload {
  ts: string;
  gateway: string;
  version: string;
  uptimeS: number;
  uplink: UplinkCounters | { state: 'disabled' };
  outbox: {
    depth: number;
    bytesOnDisk: number;
    openState: OutboxStats['openState'];
    lanes: OutboxStats['lanes'];
    streams: OutboxStats['streams'];
  };
  devices: DeviceStats[];
  /** Per Modbus bus or serial port: its own counters (device counters are in `devices`). */
  buses: BusHealth[];
  /** `callbackFailures`: timer or event callbacks that threw and were contained (a bug if ever non-zero). */
  process: { rssBytes: number; heapUsedBytes: number; callbackFailures: number };
}

export interface HealthSources {
  gatewayId: string;
  version: string;
  startedAtMs: number;
  uplink(): UplinkCounters | { state: 'disabled' };
  outboxStats(): OutboxStats;
  outboxDepth(): number;
  deviceStats(): DeviceStats[];
  busStats(): BusHealth[];
}

export function buildHealth(sources: HealthSources, nowMs: number = Date.now()): HealthPayload {
  const stats = sources.outboxStats();
  const memory = process.memoryUsage();
  return {
    ts: new Date(nowMs).toISOString(),
    gateway: sources.gatewayId,
    version: sources.version,
    uptimeS: Math.round((nowMs - sources.startedAtMs) / 1000),
    uplink: sources.uplink(),
    outbox: { depth: sources.outboxDepth(), bytesOnDisk: stats.bytesOnDisk, openState: stats.openState, lanes: stats.lanes, streams: stats.streams },
    devices: sources.deviceStats(),
    buses: sources.busStats(),
    process: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed, callbackFailures: callbackFailureCount() },
  };
}
