import { z } from 'zod';
import { identifier } from '../../core/units.ts';
import { uplinkSchema } from '../uplink/config-schema.ts';
import { bufferSchema } from '../outbox/config-schema.ts';
import { modbusBusSchemas, modbusDeviceSchema } from '../../drivers/modbus/config-schema.ts';
import { serialBusSchema, serialDeviceSchemas, serialDrivers } from '../../drivers/serial/config-schema.ts';
import { cctvDeviceSchema } from '../../drivers/cctv/config-schema.ts';
import { checkCctvReferences } from '../../drivers/cctv/config-checks.ts';
import { durationMs } from '../../core/units.ts';
import { resolveConfigPath } from '../../core/paths.ts';
import { flowsSchema } from '../flows-host/config-schema.ts';

/**
 * The one schema of the gateway's YAML config. The TypeScript type `GatewayConfig` is derived from
 * it, never written by hand. Each area owns the schema of its own section (uplink, buffer, each
 * driver family); this file composes them and checks what crosses sections (ids, bus references).
 */

const siteSchema = z.strictObject({
  city: z.string().min(1),
  name: z.string().min(1),
  lat: z.number().min(-90).max(90).optional(),
  lon: z.number().min(-180).max(180).optional(),
});

const gatewaySectionSchema = z.strictObject({
  id: identifier,
  site: siteSchema.optional(),
  /** Where the outbox, sequence numbers and Node-RED's user directory live. Relative to the config file. */
  dataDir: z.string().min(1).default('./data').transform(resolveConfigPath),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  /** How often the health counters are computed and queued for `{prefix}/{id}/health`. */
  healthInterval: durationMs.default(60_000),
});

export const busSchema = z.discriminatedUnion('type', [...modbusBusSchemas, serialBusSchema]);

export const deviceSchema = z.discriminatedUnion('driver', [modbusDeviceSchema, ...serialDeviceSchemas, cctvDeviceSchema]);

export const gatewayConfigSchema = z
  .strictObject({
    gateway: gatewaySectionSchema,
    uplink: uplinkSchema.optional(),
    buffer: bufferSchema,
    buses: z.array(busSchema).default([]),
    devices: z.array(deviceSchema).default([]),
    flows: flowsSchema,
  })
  .superRefine((config, ctx) => {
    const busIds = new Map<string, number>();
    config.buses.forEach((bus, i) => {
      if (busIds.has(bus.id)) ctx.addIssue({ code: 'custom', path: ['buses', i, 'id'], message: `duplicate bus id "${bus.id}" (also buses[${busIds.get(bus.id)}])` });
      else busIds.set(bus.id, i);
    });
    const deviceIds = new Map<string, number>();
    config.devices.forEach((device, i) => {
      if (deviceIds.has(device.id)) ctx.addIssue({ code: 'custom', path: ['devices', i, 'id'], message: `duplicate device id "${device.id}" (also devices[${deviceIds.get(device.id)}])` });
      else deviceIds.set(device.id, i);
      if ('bus' in device && typeof device.bus === 'string') {
        const busIndex = busIds.get(device.bus);
        if (busIndex === undefined) {
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'bus'], message: `no bus with id "${device.bus}" (known: ${[...busIds.keys()].join(', ') || 'none'})` });
        } else if (device.driver === 'modbus' && !config.buses[busIndex]!.type.startsWith('modbus-')) {
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'bus'], message: `bus "${device.bus}" is of type ${config.buses[busIndex]!.type}, not a Modbus bus` });
        } else if ((serialDrivers as readonly string[]).includes(device.driver) && config.buses[busIndex]!.type !== 'serial') {
          ctx.addIssue({ code: 'custom', path: ['devices', i, 'bus'], message: `bus "${device.bus}" is of type ${config.buses[busIndex]!.type}, not a serial bus` });
        }
      }
    });
    checkCctvReferences(config.devices, ctx);
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
export type BusConfig = GatewayConfig['buses'][number];
export type DeviceConfig = GatewayConfig['devices'][number];
