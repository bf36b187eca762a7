import { RadarModel, RelayModel, SondeModel, StaticModel, type SimModel } from './models.ts';
import { openPtyPair, type PtyPair } from './socat-pair.ts';
import { serveSerial, serveTcp, type SimEndpoint } from './servers.ts';
import type { SimSlave } from './slave.ts';

/** One simulated device of every shipped profile, with plausible values for a canal site in Thailand. */
export function fieldBusModels(): { unit: number; id: string; model: SimModel }[] {
  return [
    { unit: 1, id: 'canal-radar', model: new RadarModel(1) },
    { unit: 2, id: 'canal-pressure', model: new StaticModel(2, 'pressure-keller-series30', { pressure_bar: 0.1177, temperature_c: 29.5 }) },
    { unit: 3, id: 'canal-4-20', model: new StaticModel(3, 'analog-input-4-20ma', { loop_current_ma: 7.84 }) },
    { unit: 4, id: 'canal-sonde', model: new SondeModel(4) },
    { unit: 5, id: 'canal-ph', model: new StaticModel(5, 'ph-probe-yosemitech', { ph: 7.3, temperature_c: 29.1 }) },
    { unit: 6, id: 'canal-do', model: new StaticModel(6, 'do-probe-yosemitech', { temperature_c: 29.1, do_saturation_pct: 62, do_mg_l: 4.8 }) },
    { unit: 7, id: 'school-air', model: new StaticModel(7, 'air-quality-rs485-transmitter', { so2_ppb: 4, no2_ppb: 18, co_ppm: 0.6, o3_ppb: 22, pm25_ug_m3: 31, pm10_ug_m3: 48, temperature_c: 32.5, humidity_pct: 68 }) },
    { unit: 8, id: 'school-co2', model: new StaticModel(8, 'co2-senseair-s8', { meter_status: 0, co2_ppm: 520 }) },
    { unit: 9, id: 'siren-relay', model: new RelayModel(9) },
    { unit: 10, id: 'camera-cabinet', model: new StaticModel(10, 'digital-input-adam4150', { camera_power: true, tamper: false, cabinet_door_open: false }) },
  ];
}

/** A running simulated bus with every profiled device. */
export interface SimulatedBus {
  /** The gateway's end of the serial line (when started with `serial`). */
  port: string | undefined;
  /** The Modbus TCP port serving the same units (when started with `tcp`). */
  tcpPort: number | undefined;
  devices: { unit: number; id: string; profile: string }[];
  models: Map<number, SimModel>;
  stop(): Promise<void>;
}

/**
 * Every profiled device on one simulated RS-485 bus (a socat pty pair, units 1-10) and/or one
 * Modbus TCP port, for trying `citygw scan`, `probe` and `read` without hardware.
 */
export async function startSimulatedBus(options: { serial?: boolean; tcp?: boolean; baud?: number; host?: string; tcpPort?: number }): Promise<SimulatedBus> {
  const entries = fieldBusModels();
  const slaves = new Map<number, SimSlave>(entries.map((e) => [e.unit, e.model.device.slave]));
  const stops: (() => Promise<void>)[] = [];
  let pty: PtyPair | undefined;
  let tcp: SimEndpoint | undefined;
  try {
    if (options.serial) {
      pty = await openPtyPair();
      stops.push(pty.stop);
      const serial = await serveSerial(slaves, { path: pty.b, baud: options.baud ?? 9600, dataBits: 8, parity: 'none', stopBits: 1 });
      stops.unshift(serial.stop);
    }
    if (options.tcp) {
      tcp = await serveTcp(slaves, { framing: 'tcp', host: options.host ?? '127.0.0.1', port: options.tcpPort ?? 0 });
      stops.unshift(tcp.stop);
    }
  } catch (error) {
    for (const stop of stops) await stop();
    throw error;
  }
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const e of entries) e.model.tick(now);
  }, 1000);
  ticker.unref();
  return {
    port: pty?.a,
    tcpPort: tcp?.port,
    devices: entries.map((e) => ({ unit: e.unit, id: e.id, profile: e.model.device.profile.model })),
    models: new Map(entries.map((e) => [e.unit, e.model])),
    async stop() {
      clearInterval(ticker);
      for (const stop of stops) await stop();
    },
  };
}
