import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startDemoDevices } from '../../drivers/sim/demo.ts';
import { demoCanalLevelM, startDemoSerialSensors } from '../../drivers/sim/serial/demo-field-sensors.ts';
import { toError } from '../../core/errors.ts';
import { guarded, type Logger } from '../../core/log.ts';

/**
 * The demo's simulated field: real Modbus TCP slaves (canal radar, water sonde, siren relay) on
 * loopback and, when socat is installed, serial sensors on pty pairs (a school's PMS5003, an SDI-12
 * sonde, a level gauge printing text lines), plus the config entries that point the gateway at them.
 */
export interface DemoField {
  buses: Array<Record<string, unknown>>;
  devices: Array<Record<string, unknown>>;
  /** Bindings for the shipped flows (which relay is the siren). */
  flowsEnv: Record<string, string>;
  /** One line per simulated device, shown to the user. */
  describe: string[];
  stop(): Promise<void>;
}

function hasSocat(): boolean {
  try {
    execFileSync('socat', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export async function startDemoField(options: { dataDir: string; log: Logger }): Promise<DemoField> {
  const modbus = await startDemoDevices();
  // The canal rises through the stages and falls again every 12 minutes, so a newcomer sees the
  // flood rule raise and clear its alerts and switch the siren.
  const startMs = Date.now();
  const drive = () => modbus.radar.setLevelM(demoCanalLevelM(Date.now() - startMs + 240_000));
  drive();
  const ticker = setInterval(guarded(options.log, 'demo canal level', drive), 1000);
  ticker.unref();

  const { buses, devices } = modbus.config(5);
  for (const device of devices) {
    if (device.id === 'canal-level') {
      // No stages here: the flood flow's thresholds (editable in the Node-RED editor) decide the
      // radar's stage, alerts and siren. The text-line gauge below has its stages in the config.
      device.family = { type: 'flood-level', bankM: 3.7, plausibility: { level_m: { min: 0, max: 10, maxStep: 0.5 } } };
    }
    if (device.id === 'siren-relay') {
      // Site names for the relay channels: what the flood flow switches.
      device.points = [
        { name: 'siren', table: 'coil', address: 0, type: 'bool', writable: true, verifyWrite: true },
        { name: 'beacon', table: 'coil', address: 1, type: 'bool', writable: true, verifyWrite: true },
      ];
    }
    if (device.id === 'canal-quality') {
      device.family = { type: 'water-quality', staleAfter: '1m' };
    }
  }
  const describe = modbus.devices.map((d) => `${d.id.padEnd(14)} Modbus TCP 127.0.0.1:${d.port} unit ${d.unit} (${d.profile})`);
  const stops: Array<() => Promise<void>> = [async () => clearInterval(ticker), () => modbus.stop()];

  if (hasSocat()) {
    const ptyDir = join(options.dataDir, 'pty');
    mkdirSync(ptyDir, { recursive: true });
    try {
      const serial = await startDemoSerialSensors({ dir: ptyDir, log: options.log });
      stops.push(() => serial.stop());
      buses.push(...serial.buses);
      for (const device of serial.devices) {
        // The radar is the demo's main canal sensor; the text-line gauge is a second one upstream.
        if (device.id === 'canal-level') device.id = 'canal-gauge';
        devices.push(device);
        describe.push(`${String(device.id).padEnd(14)} serial ${String(device.driver)} on a pty pair`);
      }
    } catch (error) {
      options.log.warn({ err: toError(error).message }, 'serial demo sensors not started; the Modbus devices run without them');
    }
  } else {
    describe.push('(serial sensors: PMS5003, SDI-12, text gauge need socat: sudo apt-get install socat)');
  }

  return {
    buses,
    devices,
    flowsEnv: { SIREN_DEVICE: 'siren-relay', SIREN_POINT: 'siren', BEACON_DEVICE: 'siren-relay', BEACON_POINT: 'beacon' },
    describe,
    stop: async () => {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
