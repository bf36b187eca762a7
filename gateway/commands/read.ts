import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfigOrReport } from './config-problems.ts';
import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../core/errors.ts';
import { child, createRootLogger } from '../../core/log.ts';
import type { NewReading, Reading } from '../../core/reading.ts';
import { formatCameraHealth } from '../../drivers/cctv/format.ts';
import { createFieldSide } from '../../drivers/registry.ts';
import { formatTable } from '../../drivers/modbus/tools/text-table.ts';
import type { CliCommand, CommandIo } from './types.ts';
import type { GatewayConfig } from '../config/schema.ts';

const usage = 'citygw read --config FILE --device ID [--json]';

function printReading(reading: NewReading, tookMs: number, io: CommandIo): void {
  io.out.write(`${reading.device} (${reading.kind}) at ${new Date(reading.tsMs).toISOString()}: quality ${reading.quality}, took ${tookMs} ms\n`);
  const names = Object.keys(reading.values);
  const reasons = new Set(names.map((name) => reading.reasons?.[name]));
  const only = [...reasons][0];
  if (names.length > 0 && names.every((name) => reading.values[name] === null) && reasons.size === 1 && only) {
    // Nothing was read, for one reason: say it once instead of once per point.
    io.out.write(`no values (${names.length} points): ${only}\n`);
  } else {
    const rows = names.map((name) => [name, reading.values[name] === null ? '-' : String(reading.values[name]), reading.units[name] ?? '', reading.reasons?.[name] ?? 'ok']);
    io.out.write(formatTable(['point', 'value', 'unit', 'status'], rows));
  }
  const deviceReason = reading.reasons?._device;
  if (deviceReason) io.out.write(`device: ${deviceReason}\n`);
}

/**
 * What a technician at the cabinet checks when a device gave nothing: for a Modbus unit that does
 * not answer, its unit id, the wiring, the line settings, and `citygw scan` to see who answers.
 */
export function whatToCheck(config: GatewayConfig, deviceId: string, reading: NewReading): string | undefined {
  if (reading.quality !== 'bad' || !Object.values(reading.values).every((v) => v === null)) return undefined;
  const device = config.devices.find((d) => d.id === deviceId);
  if (!device || !('bus' in device)) return undefined;
  const bus = config.buses.find((b) => b.id === device.bus);
  const reasons = Object.values(reading.reasons ?? {}).join(' ');
  if (device.driver === 'modbus' && bus && bus.type !== 'serial' && /timeout|did not answer/i.test(reasons)) {
    const line = bus.type === 'modbus-rtu' ? `${bus.port} at ${bus.baud} baud, parity ${bus.parity}` : `${bus.host}:${bus.port}`;
    const scan = bus.type === 'modbus-rtu' ? `citygw scan --port ${bus.port} --baud ${bus.baud}` : `citygw scan --tcp ${bus.host}:${bus.port}`;
    return [
      `unit ${device.unit} did not answer on ${line}. Check:`,
      `  - the unit id: the device's address must be ${device.unit} (\`unit:\` in the config)`,
      bus.type === 'modbus-rtu' ? '  - the wiring: A to A, B to B (swap them if unsure), ground, 120 ohm at both ends of a long line' : '  - the device is powered and reachable from this box (same network, the right port)',
      bus.type === 'modbus-rtu' ? '  - the line settings: baud rate and parity of the bus must match the device' : '  - for a serial gateway (RTU over TCP), the bus type: modbus-rtu-over-tcp, not modbus-tcp',
      `  - who answers at all: ${scan}`,
    ].join('\n');
  }
  if (/not open|port/i.test(reasons) && bus && 'port' in bus && typeof bus.port === 'string') {
    return `the port ${bus.port} could not be used. Check the USB adapter and its cable; \`ls -l /dev/serial/by-id/\` lists the adapters plugged in.`;
  }
  if (/no frame|timeout|no valid/i.test(reasons)) {
    return 'the sensor sent nothing usable. Check its power, the TX/RX wiring (crossed: sensor TX to adapter RX) and the baud rate of the bus.';
  }
  return undefined;
}

function problems(error: GatewayError): string {
  const list = error.context?.problems;
  if (!Array.isArray(list)) return `${error.message}\n`;
  return `${error.message}\n${list.map((p: { path: string; message: string }) => `  ${p.path}: ${p.message}`).join('\n')}\n`;
}

/**
 * `citygw read`: one reading from one configured device, decoded by its driver, for a technician
 * at the cabinet. Works for any driver family; nothing is stored or sent upstream.
 */
export const readCommand: CliCommand = {
  name: 'read',
  summary: 'take one reading from one device and print it decoded',
  usage,
  async run(argv, io) {
    let values;
    try {
      ({ values } = parseArgs({ args: argv, options: { config: { type: 'string', short: 'c' }, device: { type: 'string', short: 'd' }, json: { type: 'boolean' } }, strict: true, allowPositionals: false }));
    } catch (error) {
      io.err.write(`${toError(error).message}\nusage: ${usage}\n`);
      return 2;
    }
    if (!values.config || !values.device) {
      io.err.write(`missing ${!values.config ? '--config FILE' : '--device ID'}\nusage: ${usage}\n`);
      return 2;
    }
    const loaded = loadConfigOrReport(values.config, io);
    if (typeof loaded === 'number') return loaded;
    const log = child(createRootLogger({ level: process.env.CITYGW_LOG_LEVEL ?? 'warn' }), 'cli');
    // Readings taken during this command, so a camera's cabinet contacts come from a fresh read of
    // the contact module rather than showing "unknown".
    const taken = new Map<string, Reading>();
    let side;
    try {
      side = createFieldSide({ config: loaded.config, configDir: dirname(loaded.file), dataDir: loaded.dataDir, log, emit: () => {}, alert: () => {}, latestReading: (id) => taken.get(id) });
    } catch (error) {
      io.err.write(isGatewayError(error) ? problems(error) : `${toError(error).message}\n`);
      return 2;
    }
    try {
      const device = side.devices.get(values.device);
      if (!device) {
        io.err.write(`no device "${values.device}" in ${loaded.file} (devices: ${[...side.devices.keys()].join(', ') || 'none'})\n`);
        return 2;
      }
      const startMs = performance.now();
      const configured = loaded.config.devices.find((d) => d.id === values.device);
      const contactsDevice = configured?.driver === 'cctv' ? configured.probes.contacts?.device : undefined;
      const contacts = contactsDevice ? side.devices.get(contactsDevice) : undefined;
      if (contacts) {
        const contactReading = await contacts.readOnce(AbortSignal.timeout(30_000)).catch(() => undefined);
        if (contactReading) taken.set(contacts.id, { ...contactReading, seq: 0 });
      }
      const reading = await device.readOnce(AbortSignal.timeout(60_000));
      if (values.json) io.out.write(`${JSON.stringify(reading)}\n`);
      else if (reading.kind === 'cctv-health') io.out.write(`${formatCameraHealth(reading)}\n`);
      else printReading(reading, Math.round(performance.now() - startMs), io);
      const advice = values.json ? undefined : whatToCheck(loaded.config, values.device, reading);
      if (advice) io.out.write(`${advice}\n`);
      return reading.quality === 'bad' && Object.values(reading.values).every((v) => v === null) ? 1 : 0;
    } catch (error) {
      const e = toError(error);
      io.err.write(`${e.message}\n`);
      return isGatewayError(error, ErrorCodes.UsageError) ? 2 : 1;
    } finally {
      await Promise.all(side.services.map((s) => s.stop().catch(() => undefined)));
    }
  },
};
