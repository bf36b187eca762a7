import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfigSchema } from '../../gateway/config/schema.ts';
import { silentLogger } from '../../core/log.ts';
import type { AlertInput } from '../../core/alert.ts';
import type { NewReading, Reading } from '../../core/reading.ts';
import type { DriverContext, FieldService } from '../../drivers/types.ts';
import { createFieldSide } from '../../drivers/registry.ts';
import { modbusFamily } from '../../drivers/modbus/family.ts';
import { cctvFamily } from '../../drivers/cctv/family.ts';
import { startPymodbus, type PymodbusPeer } from '../helpers/modbus-peer.ts';
import { waitFor } from '../helpers/wait-for.ts';

// The cabinet contacts end to end: a pymodbus slave as the ADAM-4150-class DI module, polled by
// the real Modbus engine, whose newest reading the camera's contacts probe interprets.

let peer: PymodbusPeer;
let services: FieldService[] = [];
const controller = new AbortController();
const newest = new Map<string, Reading>();
const cameraReadings: NewReading[] = [];
const alerts: AlertInput[] = [];
let seq = 0;

const lastCamera = (): NewReading | undefined => cameraReadings.at(-1);
async function waitCamera(state: string, contacts: string): Promise<NewReading> {
  const ok = (r: NewReading | undefined): boolean => r?.values.state === state && r.values.contacts === contacts;
  try {
    return await waitFor(`camera ${state} with contacts ${contacts}`, () => (ok(lastCamera()) ? lastCamera() : undefined), 15_000);
  } catch (error) {
    throw new Error(`${String(error)}; newest: ${JSON.stringify({ values: lastCamera()?.values, reasons: lastCamera()?.reasons })}`);
  }
}

beforeAll(async () => {
  peer = await startPymodbus({ mode: 'tcp' }, { 4: { di: { 0: true, 1: false, 2: false } } });
  const config = gatewayConfigSchema.parse({
    gateway: { id: 'gw-cabinet' },
    buses: [{ type: 'modbus-tcp', id: 'cabinet-bus', host: '127.0.0.1', port: peer.port, timeout: '500ms' }],
    devices: [
      { id: 'cab-di', driver: 'modbus', bus: 'cabinet-bus', unit: 4, profile: 'digital-input-adam4150', interval: '200ms' },
      {
        id: 'cam-cabinet-4',
        driver: 'cctv',
        host: '127.0.0.1',
        interval: '200ms',
        probes: { contacts: { device: 'cab-di', power: 'camera_power', tamper: 'tamper', door: 'cabinet_door_open', maxAge: '2s' } },
      },
    ],
  });
  const ctx: DriverContext = {
    config,
    configDir: process.cwd(),
    dataDir: process.cwd(),
    log: silentLogger(),
    // What the gateway does: commit (here: keep) each reading, and answer latestReading from it.
    emit: (reading) => {
      newest.set(reading.device, { ...reading, seq: ++seq });
      if (reading.kind === 'cctv-health') cameraReadings.push(reading);
    },
    alert: (alert) => alerts.push(alert),
    latestReading: (id) => newest.get(id),
  };
  const side = createFieldSide(ctx, [modbusFamily, cctvFamily]);
  services = side.services;
  for (const service of services) await service.start(controller.signal);
});

afterAll(async () => {
  controller.abort();
  await Promise.all(services.map((service) => service.stop()));
  await peer?.stop();
});

describe('camera cabinet contacts from a Modbus DI module', () => {
  it('power on, door shut: ok, with the contact states in the reading', async () => {
    const reading = await waitCamera('ok', 'ok');
    expect(reading.values).toMatchObject({ 'contacts.power': true, 'contacts.tamper': false, 'contacts.door': false });
  });

  it('camera power input drops: offline with a critical alert; back on: cleared', async () => {
    const mark = alerts.length;
    await peer.set(4, 'di', 0, [false]);
    const offline = await waitCamera('offline', 'down');
    expect(offline.reasons?.contacts).toBe('camera power is off');
    expect(alerts.slice(mark).find((a) => a.id === 'cctv-offline:cam-cabinet-4')?.state).toBe('raised');
    await peer.set(4, 'di', 0, [true]);
    await waitCamera('ok', 'ok');
    await waitFor('offline cleared', () => alerts.slice(mark).find((a) => a.id === 'cctv-offline:cam-cabinet-4' && a.state === 'cleared'));
  });

  it('door opened: degraded with the reason', async () => {
    await peer.set(4, 'di', 2, [true]);
    const degraded = await waitCamera('degraded', 'degraded');
    expect(degraded.reasons?.contacts).toBe('cabinet door open');
    await peer.set(4, 'di', 2, [false]);
    await waitCamera('ok', 'ok');
  });

  it('DI module killed: contacts unknown (not offline), and the reading says why', async () => {
    await peer.stop();
    const degraded = await waitCamera('degraded', 'unknown');
    expect(degraded.quality).toBe('uncertain');
    expect(degraded.reasons?.contacts).toMatch(/cab-di/);
  });
});
