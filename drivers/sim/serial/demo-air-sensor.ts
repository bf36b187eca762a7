import { join } from 'node:path';
import type { Logger } from '../../../core/log.ts';
import { silentLogger } from '../../../core/log.ts';
import { PmsSimulator } from './pms5003-sim.ts';
import { pmCourse, simulatorPort } from './sim-port.ts';
import { startSocatPair } from '../socat-pair.ts';

export interface DemoAirSensor {
  /** Put this in the demo config: `buses: [{type: serial, id: air, port: <gatewayPath>}]`. */
  gatewayPath: string;
  stop(): Promise<void>;
}

/**
 * Starts a simulated PMS5003 in active mode on a socat pty pair under `dir`, with PM2.5 that
 * drifts between about 15 and 45 ug/m3 over ten minutes (so the demo walks through Thai AQI
 * levels). Needs `socat`.
 */
export async function startDemoAirSensor(options: { dir: string; log?: Logger; periodMs?: number }): Promise<DemoAirSensor> {
  const pair = await startSocatPair(join(options.dir, 'pms5003'));
  const controller = new AbortController();
  const sim = new PmsSimulator({ port: simulatorPort(pair.devicePath, options.log ?? silentLogger()), periodMs: options.periodMs ?? 1000, pm25: (t) => pmCourse(t) });
  try {
    await sim.start(controller.signal);
  } catch (error) {
    await pair.stop();
    throw error;
  }
  return {
    gatewayPath: pair.gatewayPath,
    stop: async () => {
      controller.abort();
      await sim.stop();
      await pair.stop();
    },
  };
}

/** The bus and device entries of the demo's air-quality sensor (a school's PMS5003). */
export function demoAirSensorConfig(gatewayPath: string): { bus: Record<string, unknown>; device: Record<string, unknown> } {
  return {
    bus: { type: 'serial', id: 'school-air', port: gatewayPath },
    device: {
      id: 'school-pm25',
      driver: 'pms5003',
      bus: 'school-air',
      mode: 'active',
      interval: '10s',
      family: { type: 'air-quality', staleAfter: '2m', plausibility: { pm25_ug_m3: { min: 0, max: 1000, maxStep: 150 } } },
    },
  };
}
