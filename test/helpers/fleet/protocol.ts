/** Messages between the fleet simulator's parent (run.ts) and its worker processes (worker.ts). */
import type { UplinkState } from '../../../gateway/uplink/mqtt-uplink.ts';

export interface FleetWorkerSettings {
  /** Each gateway's data folder is `baseDir/<gateway id>`. */
  baseDir: string;
  /** The cluster's MQTT URLs: every gateway gets all of them, as `uplink.url` would list them. */
  urls: string[];
  gateways: string[];
  devicesPerGateway: number;
  /** Each device produces one reading this often. */
  intervalMs: number;
  reportIntervalMs: number;
  /** Overrides of the uplink config (none: the defaults a deployed gateway has). */
  uplink?: Record<string, unknown>;
  buffer?: Record<string, unknown>;
}

export interface Transition {
  id: string;
  tMs: number;
  state: UplinkState;
  broker: string | null;
}

export interface GatewaySample {
  id: string;
  state: UplinkState;
  broker: string | null;
  connects: number;
  /** When the current connection came up (ms since the epoch), null while not online. */
  connectedSinceMs: number | null;
  /** Readings produced so far. */
  produced: number;
  /** Rows in the outbox not yet acknowledged by the broker (in flight included). */
  depth: number;
  inflight: number;
}

export type WorkerMessage =
  | { type: 'ready'; pid: number }
  | { type: 'report'; tMs: number; cpuUs: number; rssBytes: number; gateways: GatewaySample[]; transitions: Transition[] }
  | { type: 'drained'; lastSeqs: Record<string, Record<string, number>> };

export type ParentMessage = { type: 'drain' } | { type: 'stop' };
