import { z } from 'zod';
import { durationMs, identifier } from '../../core/units.ts';
import { familySchema } from '../../core/family-schema.ts';
import type { BusEntry, DeviceEntry } from '../types.ts';

/**
 * `buses[]` of type `serial` (one port owned by one bus service) and `devices[]` with
 * `driver: pms5003 | sds011 | sdi12 | line`. Composed into gateway/config/schema.ts.
 */
export const serialBusSchema = z.strictObject({
  type: z.literal('serial'),
  id: identifier,
  /** Prefer /dev/serial/by-id/... names: they survive re-plugging and USB renumbering. */
  port: z.string().min(1),
  baud: z.number().int().min(300).max(921_600).default(9600),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
  /** Reopen delays after the port disappears: doubles from `min` up to `max`. */
  reopen: z.strictObject({ min: durationMs.default(1000), max: durationMs.default(30_000) }).prefault({}),
});

export type SerialBusConfig = z.output<typeof serialBusSchema>;

export function isSerialBus(bus: BusEntry): bus is SerialBusConfig {
  return bus.type === 'serial';
}

const deviceCommon = {
  id: identifier,
  bus: identifier,
  kind: z.string().min(1).optional(),
  /** How often a reading is emitted (streamed frames in between are averaged). */
  interval: durationMs.default(60_000),
  /** Reply timeout of one transaction (polled devices). */
  timeout: durationMs.default(2000),
  /** Without a frame for this long the device is offline and the port is reopened (default 3 intervals, at least 10 s). */
  offlineAfter: durationMs.optional(),
  family: familySchema.optional(),
};

export const pmsDeviceSchema = z.strictObject({
  ...deviceCommon,
  driver: z.literal('pms5003'),
  model: z.enum(['pms5003', 'pms7003', 'pms5003t']).default('pms5003'),
  /** `active`: the sensor streams a frame every 1-2.3 s; `passive`: the gateway asks for each one. */
  mode: z.enum(['active', 'passive']).default('active'),
});

export const sdsDeviceSchema = z.strictObject({
  ...deviceCommon,
  driver: z.literal('sds011'),
  /** `query`: the gateway asks; `active`: the sensor reports every second. */
  mode: z.enum(['query', 'active']).default('query'),
  /** Query mode: put the sensor to sleep between readings when the interval leaves time for it. */
  sleepBetween: z.boolean().default(true),
  /** After waking, the fan needs this long before values are representative. */
  warmup: durationMs.default(30_000),
});

export const sdi12ValueSchema = z.strictObject({ name: identifier, unit: z.string().default(''), scale: z.number().default(1) });

export const sdi12DeviceSchema = z.strictObject({
  ...deviceCommon,
  driver: z.literal('sdi12'),
  address: z.string().regex(/^[0-9A-Za-z]$/, 'expected one SDI-12 address character 0-9, A-Z or a-z'),
  /** `M`, `M1`..`M9`, or with a CRC on every data reply `MC`, `MC1`..`MC9` (recommended on long cables). */
  command: z.string().regex(/^MC?[1-9]?$/, 'expected M, M1..M9, MC or MC1..MC9').default('M'),
  /** Names of the values in the order the sensor returns them. */
  values: z.array(sdi12ValueSchema).min(1).max(9),
});

const lineFieldSchema = z.strictObject({
  name: identifier,
  /** 0-based position after splitting. */
  index: z.number().int().min(0),
  unit: z.string().default(''),
  scale: z.number().default(1),
});

export const lineFormatSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('fields'),
    separator: z.string().min(1).default(','),
    /** Exact number of fields a valid line has (a partial line has fewer). */
    count: z.number().int().min(1),
    fields: z.array(lineFieldSchema).min(1),
  }),
  z.strictObject({
    type: z.literal('pattern'),
    /** A regular expression with a named group per value: `^L=(?<level>[-\d.]+)m$`. */
    pattern: z.string().min(1).refine((p) => {
      try {
        new RegExp(p);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression'),
    /** Named group -> unit; every group listed must match a number. */
    units: z.record(identifier, z.string()),
  }),
]);

export type LineFormat = z.output<typeof lineFormatSchema>;

export const lineDeviceSchema = z.strictObject({
  ...deviceCommon,
  driver: z.literal('line'),
  delimiter: z.string().min(1).default('\r\n'),
  maxLength: z.number().int().min(8).max(4096).default(256),
  checksum: z.enum(['none', 'nmea']).default('none'),
  format: lineFormatSchema,
  /** A line to send each interval to ask for a reading (devices that only answer); none for streaming devices. */
  request: z.string().optional(),
});

export const serialDeviceSchemas = [pmsDeviceSchema, sdsDeviceSchema, sdi12DeviceSchema, lineDeviceSchema] as const;

export type PmsDeviceConfig = z.output<typeof pmsDeviceSchema>;
export type SdsDeviceConfig = z.output<typeof sdsDeviceSchema>;
export type Sdi12DeviceConfig = z.output<typeof sdi12DeviceSchema>;
export type LineDeviceConfig = z.output<typeof lineDeviceSchema>;
export type SerialDeviceConfig = z.output<(typeof serialDeviceSchemas)[number]>;

export function isSerialDevice(device: DeviceEntry): device is SerialDeviceConfig {
  return device.driver === 'pms5003' || device.driver === 'sds011' || device.driver === 'sdi12' || device.driver === 'line';
}
