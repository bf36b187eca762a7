import { z } from 'zod';
import { durationMs, identifier } from '../../core/units.ts';
import { familySchema } from '../../core/family-schema.ts';
import type { BusEntry, DeviceEntry } from '../types.ts';

/** A register or bit table of a Modbus device. */
export const modbusTable = z.enum(['holding', 'input', 'coil', 'discrete']);

/** The value types a point may have (see codecs.ts). */
export const modbusDataType = z.enum(['int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'bit', 'bool']);

/** Byte/word order of a multi-register value, named by where bytes A (most significant) to D land. */
export const byteOrder = z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']);

/** One point of a device: where it lives, how to decode it, and what it means. */
export const modbusPointSchema = z.strictObject({
  name: identifier,
  table: modbusTable.default('holding'),
  /** 0-based protocol address (register 40001 is holding address 0). */
  address: z.number().int().min(0).max(65535),
  type: modbusDataType.default('uint16'),
  order: byteOrder.default('ABCD'),
  /** For type `bit`: which bit of the register (0 = least significant). */
  bit: z.number().int().min(0).max(15).optional(),
  scale: z.number().default(1),
  offset: z.number().default(0),
  unit: z.string().default(''),
  /** Raw values that mean "no value" (e.g. 0xFFFF); the point reads as null with quality bad. */
  sentinels: z.array(z.number()).default([]),
  /**
   * Raw values that mean the measurement is broken rather than a value (a 4-20 mA loop below
   * 3.8 mA is a cut cable): the point reads as null, quality bad, with this reason.
   */
  faults: z.array(z.strictObject({ rawBelow: z.number().optional(), rawAbove: z.number().optional(), reason: z.string().min(1) })).default([]),
  /** For `bool` and `bit`: report the opposite state (normally-closed contacts). */
  invert: z.boolean().default(false),
  /** Plausible range after scaling; outside it the reading is `uncertain`. */
  min: z.number().optional(),
  max: z.number().optional(),
  writable: z.boolean().default(false),
  /** Read the point back after a write and fail the write if it differs. */
  verifyWrite: z.boolean().default(false),
  /**
   * Function used to write: 5 or 15 for coils, 6 or 16 for registers. Defaults to 5 for coils,
   * 6 for one register and 16 for more; some devices accept only 15/16.
   */
  writeFunction: z.union([z.literal(5), z.literal(6), z.literal(15), z.literal(16)]).optional(),
  description: z.string().optional(),
});

/** A point after defaults are applied. */
export type ModbusPointConfig = z.output<typeof modbusPointSchema>;

const serialLine = {
  /** Serial port path; prefer /dev/serial/by-id/... names, which survive re-plugging. */
  port: z.string().min(1),
  baud: z.number().int().min(300).max(921_600).default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
};

const busCommon = {
  id: identifier,
  /** Silence kept between the end of one transaction and the next frame. */
  interFrameDelay: durationMs.optional(),
  /** Default per-device reply timeout on this bus. */
  timeout: durationMs.default(1000),
  /**
   * First wait before probing a device that stopped answering (at least its interval), doubled
   * after each silent probe up to maxBackoff: a dead device then costs the bus almost nothing.
   */
  minBackoff: durationMs.default(10_000),
  /** Longest wait between probes of a device that stopped answering. */
  maxBackoff: durationMs.default(300_000),
};

/** Modbus RTU on a serial port (RS-485 adapter). */
export const modbusRtuBusSchema = z.strictObject({ type: z.literal('modbus-rtu'), ...busCommon, ...serialLine });

/** Modbus TCP (MBAP framing) to a device or a Modbus TCP gateway. */
export const modbusTcpBusSchema = z.strictObject({
  type: z.literal('modbus-tcp'),
  ...busCommon,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(502),
});

/** RTU frames carried over a TCP socket by a serial device server. */
export const modbusRtuOverTcpBusSchema = z.strictObject({
  type: z.literal('modbus-rtu-over-tcp'),
  ...busCommon,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
});

/** The bus types this family adds to the config's `buses` union. */
export const modbusBusSchemas = [modbusRtuBusSchema, modbusTcpBusSchema, modbusRtuOverTcpBusSchema] as const;

/** A Modbus device entry in `devices`: where it is, which profile, and what to override. */
export const modbusDeviceSchema = z
  .strictObject({
  id: identifier,
  driver: z.literal('modbus'),
  bus: identifier,
  /** Unit id (slave address) 1-247. */
  unit: z.number().int().min(1).max(247),
  /**
   * A profile in drivers/profiles/ (file name without extension) or a path to a profile file.
   * Optional when the device's `points` describe it completely.
   */
  profile: z.string().min(1).optional(),
  kind: z.string().min(1).optional(),
  /** Poll interval; default from the profile, else 10s. */
  interval: durationMs.optional(),
  timeout: durationMs.optional(),
  /** Extra attempts after a timeout or CRC error; default from the profile, else 1. */
  retries: z.number().int().min(0).max(5).optional(),
  maxRegistersPerRead: z.number().int().min(1).max(125).optional(),
  /** Largest run of unmapped registers a coalesced read may span; 0 for devices that refuse gaps. */
  maxGap: z.number().int().min(0).max(124).optional(),
  /** Points that replace (same name) or extend the profile's points. */
  points: z.array(modbusPointSchema).default([]),
  /** Extra processing settings of the device's family (see gateway/families). */
  family: familySchema.optional(),
  })
  .superRefine((device, ctx) => {
    if (device.profile === undefined && device.points.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['profile'], message: 'give a profile (a shipped model or a profile file) or the device\'s points' });
    }
  });

/** A Modbus device entry after defaults are applied. */
export type ModbusDeviceConfig = z.output<typeof modbusDeviceSchema>;
/** Any Modbus bus entry after defaults are applied. */
export type ModbusBusConfig = z.output<(typeof modbusBusSchemas)[number]>;

export function isModbusBus(bus: BusEntry): bus is ModbusBusConfig {
  return bus.type.startsWith('modbus-');
}

export function isModbusDevice(device: DeviceEntry): device is ModbusDeviceConfig {
  return device.driver === 'modbus';
}
