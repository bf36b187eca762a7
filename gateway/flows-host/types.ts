import type { AlertInput } from '../../core/alert.ts';
import type { Reading, ReadingKind } from '../../core/reading.ts';
import type { DeviceStats, WriteRequest, WriteResult } from '../../drivers/types.ts';

/** The uplink as the flows see it: whether upstream is reachable right now. */
export interface FlowsUplinkStatus {
  state: 'connected' | 'disconnected' | 'disabled';
  /** When the state last changed (ms since the epoch), if known. */
  sinceMs: number | null;
}

/** A snapshot for the status node: uplink, outbox depth and device health. */
export interface FlowsGatewayStatus {
  gatewayId: string;
  uplink: FlowsUplinkStatus;
  outbox: { depth: number };
  devices: DeviceStats[];
}

/** A configured device as the flows see it (for the editor's device lists and write checks). */
export interface FlowsDeviceInfo {
  id: string;
  kind: ReadingKind;
  /** Whether the device accepts writes (its driver implements `write`). */
  writable: boolean;
}

/**
 * Everything the gateway's Node-RED nodes may do, in one object. The nodes reach the gateway only
 * through it: they never open a port, a socket or an MQTT connection of their own, so a flow cannot
 * bypass the bus scheduler or the outbox. The gateway process builds it from the outbox's commit
 * events, the alert lane and `FieldDevice.write`.
 */
export interface FlowsGatewayApi {
  /** Calls `listener` with every committed reading, in commit order. Returns the unsubscribe function. */
  onReading(listener: (reading: Reading) => void): () => void;
  /** Commits an alert to the outbox's alert lane (published on `alerts` ahead of any backlog). */
  raiseAlert(alert: AlertInput): void;
  /**
   * Writes a coil or register through the device's bus scheduler. Rejects with a `GatewayError`
   * (unknown or read-only device, timeout, Modbus exception); `signal` abandons a queued write.
   */
  write(deviceId: string, request: WriteRequest, signal?: AbortSignal): Promise<WriteResult>;
  status(): FlowsGatewayStatus;
  devices(): FlowsDeviceInfo[];
}

/** What the host puts under `RED.settings.citygw` for the gateway's nodes. */
export interface FlowsNodeSettings {
  api: FlowsGatewayApi;
  gatewayId: string;
}
