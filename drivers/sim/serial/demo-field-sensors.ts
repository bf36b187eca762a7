import { join } from 'node:path';
import type { Logger } from '../../../core/log.ts';
import { silentLogger } from '../../../core/log.ts';
import { demoAirSensorConfig, startDemoAirSensor } from './demo-air-sensor.ts';
import { LineSimulator } from './line-sim.ts';
import { Sdi12Simulator } from './sdi12-sim.ts';
import { simulatorPort } from './sim-port.ts';
import { startSocatPair, type SocatPair } from '../socat-pair.ts';

export interface DemoSerialSensors {
  /** Entries to append to the demo config's `buses` and `devices`. */
  buses: Array<Record<string, unknown>>;
  devices: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Canal level (m against the datum): a 12-minute flood wave from 3.4 m up to 4.1 m and back. */
export function demoCanalLevelM(tMs: number): number {
  const phase = (tMs % 720_000) / 720_000;
  return 3.4 + 0.7 * Math.sin(Math.PI * phase) ** 2;
}

/**
 * Everything serial the demo shows, each on its own socat pty pair under `dir`: a school's
 * PMS5003 (Thai and US AQI), a canal water sonde on SDI-12 (DO wandering across the water
 * classes) and a canal level gauge printing text lines (a flood wave: stages, rate of rise).
 */
export async function startDemoSerialSensors(options: { dir: string; log?: Logger }): Promise<DemoSerialSensors> {
  const log = options.log ?? silentLogger();
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    const air = await startDemoAirSensor({ dir: options.dir, log });
    stops.push(() => air.stop());
    const airConfig = demoAirSensorConfig(air.gatewayPath);

    const controller = new AbortController();
    stops.push(async () => controller.abort());
    const startMs = Date.now();

    const sondePair: SocatPair = await startSocatPair(join(options.dir, 'sonde'));
    stops.push(() => sondePair.stop());
    const sonde = new Sdi12Simulator({
      port: simulatorPort(sondePair.devicePath, log, 1200),
      address: '0',
      waitS: 2,
      readyAfterMs: 500,
      values: () => {
        const t = (Date.now() - startMs) / 1000;
        return [Number((29 + Math.sin(t / 300)).toFixed(2)), Number((4.5 + 2.2 * Math.sin(t / 240)).toFixed(2)), 7.2, 410, 18.5, 145];
      },
    });
    await sonde.start(controller.signal);
    stops.push(() => sonde.stop());

    const gaugePair = await startSocatPair(join(options.dir, 'gauge'));
    stops.push(() => gaugePair.stop());
    const gauge = new LineSimulator({ port: simulatorPort(gaugePair.devicePath, log), periodMs: 2000, line: () => `L=${demoCanalLevelM(Date.now() - startMs).toFixed(3)}m\r\n` });
    await gauge.start(controller.signal);
    stops.push(() => gauge.stop());

    return {
      buses: [airConfig.bus, { type: 'serial', id: 'canal-sdi12', port: sondePair.gatewayPath, baud: 1200, dataBits: 7, parity: 'even' }, { type: 'serial', id: 'canal-gauge', port: gaugePair.gatewayPath }],
      devices: [
        airConfig.device,
        {
          id: 'canal-sonde',
          driver: 'sdi12',
          bus: 'canal-sdi12',
          address: '0',
          command: 'MC',
          interval: '15s',
          values: [{ name: 'temperature_c', unit: 'degC' }, { name: 'do_mg_l', unit: 'mg/L' }, { name: 'ph', unit: 'pH' }, { name: 'conductivity_us_cm', unit: 'uS/cm' }, { name: 'turbidity_ntu', unit: 'NTU' }, { name: 'orp_mv', unit: 'mV' }],
          family: { type: 'water-quality', plausibility: { do_mg_l: { min: 0, max: 20 }, ph: { min: 0, max: 14 } } },
        },
        {
          id: 'canal-level',
          driver: 'line',
          bus: 'canal-gauge',
          interval: '10s',
          format: { type: 'pattern', pattern: '^L=(?<level_m>-?\\d+(?:\\.\\d+)?)m$', units: { level_m: 'm' } },
          family: {
            type: 'flood-level',
            stages: { watchM: 3.7, alertM: 3.9, criticalM: 4.05, hysteresisM: 0.03, minHold: '30s' },
            bankM: 3.7,
            rise: { window: '5m', alertCmH: 200 },
            staleAfter: '1m',
            plausibility: { level_m: { min: 0, max: 10, maxStep: 0.5 } },
          },
        },
      ],
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
