import { z } from 'zod';
import { identifier } from '../../core/units.ts';
import { uplinkSchema } from '../uplink/config-schema.ts';
import { bufferSchema } from '../outbox/config-schema.ts';
import { driverFamilies } from '../../drivers/index.ts';
import type { DriverFamily, FamilyConfigPart } from '../../drivers/types.ts';
import { durationMs } from '../../core/units.ts';
import { resolveConfigPath } from '../../core/paths.ts';
import { flowsSchema } from '../flows-host/config-schema.ts';
import { clockSchema } from '../clock/config-schema.ts';

/**
 * The one schema of the gateway's YAML config. The TypeScript type `GatewayConfig` is derived from
 * it, never written by hand. Each area owns the schema of its own section (uplink, buffer, flows);
 * each driver family brings its bus and device entries and its checks through the registry
 * (drivers/index.ts). This file composes them and checks what crosses sections (ids, bus references).
 */

type FamilyPart = (typeof driverFamilies)[number]['config'];
type NonEmpty<T> = readonly [T, ...T[]];
const families: readonly DriverFamily[] = driverFamilies;

/** Every family's entries in one list, typed as the union of their schemas (what z.discriminatedUnion needs). */
function entries<T>(pick: (part: FamilyConfigPart) => readonly unknown[]): NonEmpty<T> {
  const all = families.flatMap((family) => pick(family.config));
  if (all.length === 0) throw new Error('no driver family brings config entries');
  return all as unknown as NonEmpty<T>;
}

/** The family that brings a device `driver`, from the literal in each of its device schemas. */
const familyOfDriver = new Map<string, FamilyConfigPart>();
for (const family of families) {
  for (const schema of family.config.devices) {
    for (const driver of schema._zod.propValues?.['driver'] ?? []) familyOfDriver.set(String(driver), family.config);
  }
}

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

export const busSchema = z.discriminatedUnion('type', entries<FamilyPart['buses'][number]>((part) => part.buses));

export const deviceSchema = z.discriminatedUnion('driver', entries<FamilyPart['devices'][number]>((part) => part.devices));

export const gatewayConfigSchema = z
  .strictObject({
    gateway: gatewaySectionSchema,
    uplink: uplinkSchema.optional(),
    buffer: bufferSchema,
    buses: z.array(busSchema).default([]),
    devices: z.array(deviceSchema).default([]),
    flows: flowsSchema,
    clock: clockSchema,
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
        } else {
          const busType = config.buses[busIndex]!.type;
          const busKind = familyOfDriver.get(device.driver)?.busKind;
          if (busKind && !busKind.accepts(busType)) {
            ctx.addIssue({ code: 'custom', path: ['devices', i, 'bus'], message: `bus "${device.bus}" is of type ${busType}, not a ${busKind.name} bus` });
          }
        }
      }
    });
    for (const family of families) family.config.refine?.(config, ctx);
    const gnssId = config.clock.gnss?.id;
    if (gnssId !== undefined && deviceIds.has(gnssId)) ctx.addIssue({ code: 'custom', path: ['clock', 'gnss', 'id'], message: `"${gnssId}" is also devices[${deviceIds.get(gnssId)}].id: the GNSS readings need an id of their own` });
  });

export type GatewayConfig = z.output<typeof gatewayConfigSchema>;
