import type { DriverContext, DriverFamily, FieldDevice, FieldService } from './types.ts';

/**
 * The driver families the gateway knows. Adding a family is one import and one entry here; adding
 * a device of a known family is data (a profile file and a config entry), never code.
 */
const families: DriverFamily[] = [];

export function registerFamily(family: DriverFamily): void {
  if (!families.some((f) => f.name === family.name)) families.push(family);
}

export interface FieldSide {
  services: FieldService[];
  devices: Map<string, FieldDevice>;
}

/** Builds every family's services and devices for a config. */
export function createFieldSide(ctx: DriverContext, use: DriverFamily[] = families): FieldSide {
  const services: FieldService[] = [];
  const devices = new Map<string, FieldDevice>();
  for (const family of use) {
    const setup = family.create(ctx);
    services.push(...setup.services);
    for (const device of setup.devices) devices.set(device.id, device);
  }
  return { services, devices };
}
