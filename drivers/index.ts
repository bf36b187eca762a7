import { cctvFamily } from './cctv/family.ts';
import { modbusFamily } from './modbus/family.ts';
import { serialFamily } from './serial/family.ts';

/**
 * Every driver family the gateway ships, in start order. Adding a family is its own folder (with a
 * `family.ts` that brings its config schema, checks, services and devices) and one entry here; the
 * gateway's config schema is composed from this list. Adding a device of a known family is data (a
 * profile and a config entry).
 */
export const driverFamilies = [modbusFamily, serialFamily, cctvFamily] as const;
