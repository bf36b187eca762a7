import type { Logger } from '../core/log.ts';
import type { NewReading, PointValue, Reading, ReadingKind } from '../core/reading.ts';
import type { GatewayConfig } from '../gateway/config/schema.ts';
import type { AlertSink } from '../core/alert.ts';
import type { BusStats } from './modbus/scheduler.ts';
import type { SerialBusStats } from './serial/serial-bus.ts';

/**
 * What a driver family gets from the gateway: one small context, no globals. A driver never
 * touches the outbox, MQTT or Node-RED directly; it hands readings to `emit` and the gateway
 * commits them to the outbox before anything else happens to them.
 */
export interface DriverContext {
  config: GatewayConfig;
  /** The config file's folder; relative profile paths are resolved against it. */
  configDir: string;
  /** The gateway's data folder (state that must survive a restart). */
  dataDir: string;
  log: Logger;
  /** Hand a reading to the gateway (it is processed, given a `seq` and committed to the outbox). */
  emit(reading: NewReading): void;
  /** Raise or clear an alert (committed to the outbox's alert lane). */
  alert: AlertSink;
  /** The newest committed reading of a device (e.g. a camera cabinet's contact inputs), if any. */
  latestReading(deviceId: string): Reading | undefined;
}

/** A long-running part of the field side (a bus scheduler, a serial reader, a probe loop). */
export interface FieldService {
  readonly name: string;
  /** Starts the service; resolves once it runs. Failures later are counted and reported, never thrown. */
  start(signal: AbortSignal): Promise<void>;
  /** Stops the service, finishing a transaction in progress. */
  stop(): Promise<void>;
  /**
   * Counters of the bus or port this service owns, for `health.buses`. Only a service that owns a
   * bus or port has it (a serial sensor is a service too, but its counters are in `health.devices`).
   */
  busHealth?(): BusHealth;
}

/** One entry of `health.buses`: a Modbus bus or a serial port (schema: BusHealth in asyncapi.yaml). */
export type BusHealth = ({ type: 'modbus' } & Omit<BusStats, 'devices'>) | ({ type: 'serial' } & SerialBusStats);

export interface WriteRequest {
  point: string;
  value: number | boolean;
}

export interface WriteResult {
  device: string;
  point: string;
  value: PointValue;
  /** Whether the value was read back and matched (only when the profile asks for verification). */
  verified: boolean;
  durationMs: number;
}

/** Counters for one device, on the health topic and in `citygw buffer`/`read`. */
export interface DeviceStats {
  device: string;
  state: 'online' | 'offline' | 'unknown';
  polls: number;
  ok: number;
  errors: Record<string, number>;
  lastOkTsMs: number | null;
  lastError: string | null;
  [extra: string]: unknown;
}

/** A configured device as the gateway sees it. */
export interface FieldDevice {
  readonly id: string;
  readonly kind: ReadingKind;
  /** Takes one reading now (for `citygw read` and tests); does not emit it. */
  readOnce(signal?: AbortSignal): Promise<NewReading>;
  /** Writes one point (coil, register) through the device's bus scheduler. */
  write?(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult>;
  stats(): DeviceStats;
}

/** What a driver family builds from the config: its services and its devices. */
export interface FieldSetup {
  services: FieldService[];
  devices: FieldDevice[];
}

/** One family of drivers (Modbus, serial sensors, CCTV). Registered in drivers/registry.ts. */
export interface DriverFamily {
  readonly name: string;
  /** Builds services and devices for the config entries this family handles (may be none). */
  create(ctx: DriverContext): FieldSetup;
}
