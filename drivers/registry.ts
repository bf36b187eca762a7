import type { DriverContext, DriverFamily, FieldDevice, FieldService } from './types.ts';

import { driverFamilies } from './index.ts';

export interface FieldSide {
  services: FieldService[];
  devices: Map<string, FieldDevice>;
}

/** Builds every family's services and devices for a config. */
export function createFieldSide(ctx: DriverContext, use: readonly DriverFamily[] = driverFamilies): FieldSide {
  const services: FieldService[] = [];
  const devices = new Map<string, FieldDevice>();
  for (const family of use) {
    const setup = family.create(ctx);
    services.push(...setup.services);
    for (const device of setup.devices) devices.set(device.id, device);
  }
  return { services, devices };
}
