import type { z } from 'zod';
import type { Logger } from '../core/log.ts';
import type { NewReading, PointValue, Reading, ReadingKind } from '../core/reading.ts';
import type { AlertSink } from '../core/alert.ts';
import type { ConfigProblem } from '../core/problems.ts';
import type { BusStats } from './modbus/scheduler.ts';
import type { SerialBusStats } from './serial/serial-bus.ts';

/** What every `buses[]` entry has; a family narrows an entry to its own bus config by `type`. */
export interface BusEntry {
  readonly type: string;
  readonly id: string;
}

/** What every `devices[]` entry has; a family narrows an entry to its own device config by `driver`. */
export interface DeviceEntry {
  readonly driver: string;
  readonly id: string;
}

/** The parsed config as a driver family sees it: every bus and device, of every family. */
export interface FieldConfig {
  readonly buses: readonly BusEntry[];
  readonly devices: readonly DeviceEntry[];
}

/** One config object with a literal discriminator (`type` for buses, `driver` for devices). */
export type EntrySchema = z.core.$ZodTypeDiscriminable;

/**
 * What a family adds to the config: its entries in the `buses` and `devices` unions, and the checks
 * the schema alone cannot make. The gateway composes every family's part into its one config schema.
 */
export interface FamilyConfigPart<Bus extends EntrySchema = EntrySchema, Device extends EntrySchema = EntrySchema> {
  /** Schemas added to the `buses` union, each with a literal `type`. */
  readonly buses: readonly Bus[];
  /** Schemas added to the `devices` union, each with a literal `driver`. */
  readonly devices: readonly Device[];
  /**
   * For a device of this family that names a `bus`: which bus types it may sit on, and how that
   * kind of bus is called in the problem (`bus "b1" is of type serial, not a Modbus bus`).
   */
  readonly busKind?: { readonly accepts: (busType: string) => boolean; readonly name: string };
  /** Checks across entries while the config is parsed (e.g. a camera's contacts name a Modbus device). */
  readonly refine?: (config: FieldConfig, ctx: z.RefinementCtx) => void;
  /** Checks that need files beside the config (device profiles), made once the shape is right. */
  readonly check?: (config: FieldConfig, configDir: string) => ConfigProblem[];
}

/**
 * What a driver family gets from the gateway: one small context, no globals. A driver never
 * touches the outbox, MQTT or Node-RED directly; it hands readings to `emit` and the gateway
 * commits them to the outbox before anything else happens to them.
 */
export interface DriverContext {
  /** The whole parsed config; a family picks its own entries out of it. */
  config: FieldConfig;
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

/**
 * One family of drivers (Modbus, serial sensors, CCTV). Listed once in drivers/index.ts; everything
 * else about it (config schema, checks, services, devices) lives in its own folder.
 */
export interface DriverFamily<Config extends FamilyConfigPart = FamilyConfigPart> {
  readonly name: string;
  /** Its part of the config schema and checks. */
  readonly config: Config;
  /** Builds services and devices for the config entries this family handles (may be none). */
  create(ctx: DriverContext): FieldSetup;
}
