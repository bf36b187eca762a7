import { child } from '../../core/log.ts';
import type { DriverContext, DriverFamily, FieldService, FieldSetup } from '../types.ts';
import { isSerialBus, isSerialDevice, serialBusSchema, serialDeviceSchemas, type SerialDeviceConfig } from './config-schema.ts';
import type { OpenSerialLink } from './port.ts';
import { lineProtocol } from './protocols/line.ts';
import { pmsProtocol } from './protocols/pms.ts';
import { sdi12Protocol } from './protocols/sdi12.ts';
import { sdsProtocol } from './protocols/sds.ts';
import { SerialBus } from './serial-bus.ts';
import { SerialDevice, type SerialProtocol } from './serial-device.ts';

function protocolFor(device: SerialDeviceConfig): SerialProtocol {
  switch (device.driver) {
    case 'pms5003':
      return pmsProtocol(device);
    case 'sds011':
      return sdsProtocol(device);
    case 'sdi12':
      return sdi12Protocol(device);
    case 'line':
      return lineProtocol(device);
  }
}

/** Builds the serial buses and devices of a config (`open` is injectable for tests). */
export function createSerialSetup(ctx: DriverContext, open?: OpenSerialLink): FieldSetup {
  const log = child(ctx.log, 'serial');
  const buses = new Map<string, SerialBus>();
  for (const bus of ctx.config.buses) {
    if (isSerialBus(bus)) buses.set(bus.id, new SerialBus(bus, log, open, ctx.alert));
  }
  const devices: SerialDevice[] = [];
  for (const device of ctx.config.devices) {
    if (!isSerialDevice(device)) continue;
    const bus = buses.get(device.bus);
    // The config schema checks bus references; a missing bus here means a config built by hand.
    if (!bus) throw new Error(`device ${device.id}: no serial bus "${device.bus}"`);
    devices.push(
      new SerialDevice({
        id: device.id,
        kind: device.kind ?? device.family?.type ?? (device.driver === 'pms5003' || device.driver === 'sds011' ? 'air-quality' : 'generic'),
        intervalMs: device.interval,
        offlineAfterMs: device.offlineAfter ?? Math.max(3 * device.interval, 10_000),
        bus,
        protocol: protocolFor(device),
        log,
        emit: ctx.emit,
        alert: ctx.alert,
      }),
    );
  }
  // Buses start before the devices on them (services start in list order).
  const services: FieldService[] = [...buses.values(), ...devices];
  return { services, devices };
}

/** PMS5003/7003, SDS011, SDI-12 (through an adapter) and text-line sensors on serial ports. */
export const serialFamily = {
  name: 'serial',
  config: {
    buses: [serialBusSchema],
    devices: serialDeviceSchemas,
    busKind: { accepts: (busType: string) => busType === 'serial', name: 'serial' },
  },
  create: (ctx) => createSerialSetup(ctx),
} satisfies DriverFamily;
