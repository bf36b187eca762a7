import type { z } from 'zod';
import type { FieldConfig } from '../types.ts';
import { isCctvDevice } from './config-schema.ts';

/** Checks what a camera refers to across sections: its contacts probe must name a configured Modbus device. */
export function checkCctvReferences({ devices }: FieldConfig, ctx: z.RefinementCtx): void {
  const drivers = new Map(devices.map((device) => [device.id, device.driver]));
  devices.forEach((device, i) => {
    const contacts = isCctvDevice(device) ? device.probes.contacts : undefined;
    if (!contacts) return;
    const driver = drivers.get(contacts.device);
    if (driver === undefined) {
      ctx.addIssue({ code: 'custom', path: ['devices', i, 'probes', 'contacts', 'device'], message: `no device with id "${contacts.device}" (the cabinet's digital-input module)` });
    } else if (driver !== 'modbus') {
      ctx.addIssue({ code: 'custom', path: ['devices', i, 'probes', 'contacts', 'device'], message: `device "${contacts.device}" is a ${driver} device, not a Modbus digital-input module` });
    }
  });
}
