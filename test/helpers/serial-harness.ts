import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import type { NewReading } from '../../core/reading.ts';
import type { AlertInput } from '../../core/alert.ts';
import { createSerialSetup } from '../../drivers/serial/family.ts';
import type { FieldSetup } from '../../drivers/types.ts';

/** A temporary folder for pty links and data, removed by `cleanup`. */
export function serialTempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'citygw-serial-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}


export interface GatewaySide {
  setup: FieldSetup;
  readings: NewReading[];
  alerts: AlertInput[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The gateway's serial side for a config (parsed by the real schema), emitting into arrays. */
export function gatewaySide(rawConfig: { buses: unknown[]; devices: unknown[] }, dataDir: string): GatewaySide {
  const config = gatewayConfigSchema.parse({ gateway: { id: 'test-gw', dataDir }, ...rawConfig });
  const readings: NewReading[] = [];
  const alerts: AlertInput[] = [];
  const setup = createSerialSetup({
    config,
    configDir: dataDir,
    dataDir,
    log: silentLogger(),
    emit: (r) => readings.push(r),
    alert: (a) => alerts.push(a),
    latestReading: () => undefined,
  });
  const controller = new AbortController();
  return {
    setup,
    readings,
    alerts,
    start: async () => {
      for (const s of setup.services) await s.start(controller.signal);
    },
    stop: async () => {
      controller.abort();
      for (const s of [...setup.services].reverse()) await s.stop();
    },
  };
}
