import { serveTcp, type SimEndpoint } from './servers.ts';
import { RadarModel, RelayModel, SondeModel, type SimModel } from './models.ts';
import type { SimSlave } from './slave.ts';

/** One simulated device reachable as a Modbus TCP slave. */
export interface DemoDevice {
  id: string;
  /** The shipped profile it speaks. */
  profile: string;
  host: string;
  port: number;
  unit: number;
}

/** The running demo devices and how to drive them. */
export interface DemoDevices {
  devices: DemoDevice[];
  /** The canal radar: `radar.setLevelM(3.9)` pushes the level (flood tests drive it through stages). */
  radar: RadarModel;
  sonde: SondeModel;
  /** The siren relay module: `relay.device.get('relay_1')` tells whether the siren is on. */
  relay: RelayModel;
  /** `buses` and `devices` config entries for these devices (one modbus-tcp bus each). */
  config(intervalS?: number): { buses: Record<string, unknown>[]; devices: Record<string, unknown>[] };
  stop(): Promise<void>;
}

/**
 * Starts the demo's simulated field devices as real Modbus TCP slaves on loopback: a canal radar
 * (slowly varying level), a water-quality sonde (floats CDAB) and a relay module for a siren.
 * Values are refreshed every second until stop().
 */
export async function startDemoDevices(options: { host?: string } = {}): Promise<DemoDevices> {
  const host = options.host ?? '127.0.0.1';
  const radar = new RadarModel(1);
  const sonde = new SondeModel(1);
  const relay = new RelayModel(1);
  const models: { id: string; model: SimModel }[] = [
    { id: 'canal-level', model: radar },
    { id: 'canal-quality', model: sonde },
    { id: 'siren-relay', model: relay },
  ];
  const endpoints: SimEndpoint[] = [];
  const devices: DemoDevice[] = [];
  try {
    for (const { id, model } of models) {
      const slaves = new Map<number, SimSlave>([[model.device.slave.unit, model.device.slave]]);
      const endpoint = await serveTcp(slaves, { framing: 'tcp', host });
      endpoints.push(endpoint);
      devices.push({ id, profile: model.device.profile.model, host, port: endpoint.port, unit: model.device.slave.unit });
    }
  } catch (error) {
    await Promise.all(endpoints.map((e) => e.stop()));
    throw error;
  }
  const ticker = setInterval(() => {
    const now = Date.now();
    for (const { model } of models) model.tick(now);
  }, 1000);
  ticker.unref();
  return {
    devices,
    radar,
    sonde,
    relay,
    config(intervalS = 5) {
      return {
        buses: devices.map((d) => ({ id: `sim-${d.id}`, type: 'modbus-tcp', host: d.host, port: d.port, timeout: '500ms' })),
        devices: devices.map((d) => ({ id: d.id, driver: 'modbus', bus: `sim-${d.id}`, unit: d.unit, profile: d.profile, interval: `${intervalS}s` })),
      };
    },
    async stop() {
      clearInterval(ticker);
      await Promise.all(endpoints.map((e) => e.stop()));
    },
  };
}
