import type { DriverFamily } from './types.ts';
import { cctvFamily } from './cctv/family.ts';
import { modbusFamily } from './modbus/family.ts';
import { serialFamily } from './serial/family.ts';

/**
 * Every driver family the gateway ships, in start order. Adding a family is one import and one
 * entry here; adding a device of a known family is data (a profile and a config entry).
 */
export const driverFamilies: DriverFamily[] = [modbusFamily, serialFamily, cctvFamily];
