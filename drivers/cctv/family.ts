import { child } from '../../core/log.ts';
import type { DriverFamily, FieldSetup } from '../types.ts';
import { cctvDeviceSchema, isCctvDevice } from './config-schema.ts';
import { checkCctvReferences } from './config-checks.ts';
import { buildProbes } from './build-probes.ts';
import { Camera } from './camera.ts';
import { CameraProbeLoop } from './probe-loop.ts';

/** CCTV health: one Camera (FieldDevice) and one probe loop (FieldService) per `driver: cctv` device. */
export const cctvFamily = {
  name: 'cctv',
  config: { buses: [], devices: [cctvDeviceSchema], refine: checkCctvReferences },
  create(ctx): FieldSetup {
    const log = child(ctx.log, 'cctv');
    const setup: FieldSetup = { services: [], devices: [] };
    for (const device of ctx.config.devices) {
      if (!isCctvDevice(device)) continue;
      const config = device;
      const cameraLog = log.child({ device: config.id });
      const camera = new Camera({
        id: config.id,
        kind: config.kind,
        probes: buildProbes(config, (id) => ctx.latestReading(id)),
        log: cameraLog,
        alert: ctx.alert,
        emit: (reading) => ctx.emit(reading),
        confirm: config.confirm,
      });
      setup.devices.push(camera);
      setup.services.push(new CameraProbeLoop(camera, config.interval, cameraLog));
    }
    return setup;
  },
} satisfies DriverFamily;
