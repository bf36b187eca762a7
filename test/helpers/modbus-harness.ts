import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import type { AlertInput } from '../../core/alert.ts';
import type { NewReading } from '../../core/reading.ts';
import { modbusFamily } from '../../drivers/modbus/family.ts';
import type { FieldDevice, FieldService } from '../../drivers/types.ts';

/** The Modbus field side built from a config object, with everything it emits collected. */
export interface ModbusHarness {
  devices: Map<string, FieldDevice>;
  services: FieldService[];
  readings: NewReading[];
  alerts: AlertInput[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function modbusHarness(sections: { buses: unknown[]; devices: unknown[] }, configDir = process.cwd()): ModbusHarness {
  const parsed = gatewayConfigSchema.parse({ gateway: { id: 'test-gw' }, buffer: {}, ...sections });
  const readings: NewReading[] = [];
  const alerts: AlertInput[] = [];
  const setup = modbusFamily.create({ config: parsed, configDir, dataDir: configDir, log: silentLogger(), emit: (r) => readings.push(r), alert: (a) => alerts.push(a), latestReading: () => undefined });
  const controller = new AbortController();
  return {
    devices: new Map(setup.devices.map((d) => [d.id, d])),
    services: setup.services,
    readings,
    alerts,
    async start() {
      for (const s of setup.services) await s.start(controller.signal);
    },
    async stop() {
      controller.abort();
      for (const s of setup.services) await s.stop();
    },
  };
}

