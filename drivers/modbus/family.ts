import { child } from '../../core/log.ts';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { DriverContext, DriverFamily, FieldDevice, FieldSetup } from '../types.ts';
import { isModbusBus, isModbusDevice, modbusBusSchemas, modbusDeviceSchema, type ModbusBusConfig, type ModbusDeviceConfig } from './config-schema.ts';
import { checkModbusProfiles } from './config-checks.ts';
import type { ModbusProfile } from '../profiles/schema.ts';
import { channelForBus } from './bus.ts';
import { coalesce } from './coalesce.ts';
import { ModbusDevice, type ModbusDeviceSettings } from './device.ts';
import { inlineProfile, loadProfile, mergePoints, profilePath } from './profile.ts';
import { BusScheduler } from './scheduler.ts';

/** A device's settings: its config entry over its profile's defaults over the bus's. */
export function deviceSettings(device: ModbusDeviceConfig, bus: ModbusBusConfig, profile: ModbusProfile): ModbusDeviceSettings {
  const d = profile.defaults;
  const points = mergePoints(profile, device.points, device.id);
  const policy = { maxRegistersPerRead: device.maxRegistersPerRead ?? d.maxRegistersPerRead ?? 125, maxGap: device.maxGap ?? d.maxGap ?? 0 };
  return {
    id: device.id,
    unit: device.unit,
    kind: device.kind ?? profile.kind,
    profile: profile.model,
    intervalMs: device.interval ?? d.interval ?? 10_000,
    timeoutMs: device.timeout ?? d.timeout ?? bus.timeout,
    retries: device.retries ?? d.retries ?? 1,
    points,
    policy,
    blocks: coalesce(points, policy),
    wake: profile.wake ? { fc: profile.wake.table === 'holding' ? 3 : 4, address: profile.wake.address, count: profile.wake.count, waitMs: profile.wake.wait } : undefined,
  };
}

/**
 * Modbus RTU, TCP and RTU-over-TCP: one BusScheduler service per configured bus, one
 * ModbusDevice per configured device. Profiles are loaded (and validated) here, so a bad
 * profile stops the gateway at start with the file and the point named.
 */
export const modbusFamily = {
  name: 'modbus',
  config: {
    buses: modbusBusSchemas,
    devices: [modbusDeviceSchema],
    busKind: { accepts: (busType: string) => busType.startsWith('modbus-'), name: 'Modbus' },
    check: checkModbusProfiles,
  },
  create(ctx: DriverContext): FieldSetup {
    const log = child(ctx.log, 'modbus');
    const schedulers = new Map<string, { scheduler: BusScheduler; bus: ModbusBusConfig }>();
    for (const bus of ctx.config.buses) {
      if (!isModbusBus(bus)) continue;
      const busLog = log.child({ bus: bus.id });
      const scheduler = new BusScheduler({ id: bus.id, channel: channelForBus(bus, busLog), log: busLog, emit: ctx.emit, alert: ctx.alert, minBackoffMs: bus.minBackoff, maxBackoffMs: bus.maxBackoff });
      schedulers.set(bus.id, { scheduler, bus });
    }
    const profiles = new Map<string, ModbusProfile>();
    const devices: FieldDevice[] = [];
    for (const config of ctx.config.devices) {
      if (!isModbusDevice(config)) continue;
      const entry = schedulers.get(config.bus);
      if (!entry) throw new GatewayError(ErrorCodes.ConfigInvalid, `device ${config.id}: bus "${config.bus}" is not a Modbus bus`);
      let profile: ModbusProfile;
      if (config.profile === undefined) {
        profile = inlineProfile(config.id, config.kind);
      } else {
        const file = profilePath(config.profile, ctx.configDir);
        profile = profiles.get(file) ?? loadProfile(file);
        profiles.set(file, profile);
      }
      const device = new ModbusDevice(deviceSettings(config, entry.bus, profile), entry.scheduler, log.child({ bus: config.bus, device: config.id }));
      device.attach(entry.scheduler.add(device));
      devices.push(device);
    }
    return { services: [...schedulers.values()].map((e) => e.scheduler), devices };
  },
} satisfies DriverFamily;
