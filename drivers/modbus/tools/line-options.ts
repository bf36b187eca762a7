import { parseArgs } from 'node:util';
import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/log.ts';
import { parseDurationMs } from '../../../core/units.ts';
import { listSerialPorts } from '../../transport/index.ts';
import { channelForBus } from '../bus.ts';
import type { ModbusChannel } from '../channel.ts';
import { modbusRtuBusSchema, modbusRtuOverTcpBusSchema, modbusTcpBusSchema, type ModbusBusConfig } from '../config-schema.ts';

/** The options every bus tool takes to reach a bus without a config file. */
export const lineOptions = {
  port: { type: 'string' },
  baud: { type: 'string' },
  parity: { type: 'string' },
  'data-bits': { type: 'string' },
  'stop-bits': { type: 'string' },
  tcp: { type: 'string' },
  framing: { type: 'string' },
  timeout: { type: 'string' },
  json: { type: 'boolean' },
} as const;

/** The usage text of the bus options, shared by scan and probe. */
export const lineUsage = '(--port PATH [--baud 9600] [--parity none|even|odd] [--data-bits 8] [--stop-bits 1] | --tcp HOST:PORT [--framing tcp|rtu]) [--timeout 200ms]';

/** A command-line mistake (exit code 2). */
export function usageError(message: string): GatewayError {
  return new GatewayError(ErrorCodes.UsageError, message);
}

/** parseArgs with mistakes reported as UsageError. */
export function parseToolArgs<T extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options: { ...lineOptions, ...options }, strict: true, allowPositionals: false });
  } catch (error) {
    throw usageError(toError(error).message);
  }
}

function int(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n)) throw usageError(`${flag} expects a whole number, got ${text}`);
  return n;
}

/** Reads a number in decimal or 0x hex (`--address 0x2600`). */
export function parseAddress(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = /^0x[0-9a-f]+$/i.test(text) ? parseInt(text, 16) : Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw usageError(`${flag} expects 0-65535 (decimal or 0x hex), got ${text}`);
  return n;
}

/** A bus config from the command line, validated by the same schema as the config file. */
export function busFromArgs(values: Record<string, string | boolean | undefined>): ModbusBusConfig {
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  const timeout = str('timeout') ?? '200ms';
  if (parseDurationMs(timeout) === undefined) throw usageError(`--timeout expects a duration such as 200ms, got ${timeout}`);
  const tcp = str('tcp');
  let parsed;
  if (tcp !== undefined) {
    const m = /^(.+):(\d+)$/.exec(tcp);
    if (!m) throw usageError(`--tcp expects HOST:PORT, got ${tcp}`);
    const framing = str('framing') ?? 'tcp';
    if (framing !== 'tcp' && framing !== 'rtu') throw usageError(`--framing expects tcp or rtu, got ${framing}`);
    const schema = framing === 'tcp' ? modbusTcpBusSchema : modbusRtuOverTcpBusSchema;
    parsed = schema.safeParse({ id: 'cli', type: framing === 'tcp' ? 'modbus-tcp' : 'modbus-rtu-over-tcp', host: m[1], port: Number(m[2]), timeout });
  } else {
    const port = str('port');
    if (port === undefined) throw usageError('missing --port PATH (or --tcp HOST:PORT)');
    parsed = modbusRtuBusSchema.safeParse({ id: 'cli', type: 'modbus-rtu', port, baud: int(str('baud'), '--baud', 9600), parity: str('parity') ?? 'none', dataBits: int(str('data-bits'), '--data-bits', 8), stopBits: int(str('stop-bits'), '--stop-bits', 1), timeout });
  }
  if (!parsed.success) throw usageError(parsed.error.issues.map((i) => `${i.path.join('.') || 'option'}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Opens the bus named on the command line; port problems come back as GatewayErrors a technician can act on. */
export async function openToolChannel(bus: ModbusBusConfig, log: Logger): Promise<ModbusChannel> {
  const channel = channelForBus(bus, log);
  await channel.open();
  return channel;
}

/**
 * Opens the bus for a command line tool, or writes why it cannot be opened (with the machine's
 * serial ports when the port does not exist) and returns undefined.
 */
export async function openToolChannelOrExplain(bus: ModbusBusConfig, log: Logger, err: NodeJS.WritableStream): Promise<ModbusChannel | undefined> {
  try {
    return await openToolChannel(bus, log);
  } catch (error) {
    err.write(`${toError(error).message}\n`);
    if (isGatewayError(error, ErrorCodes.PortNotFound)) err.write(await portHint());
    return undefined;
  }
}

/** Text listing the serial ports of this machine, stable names first (for "which port?" errors). */
export async function portHint(): Promise<string> {
  const ports = await listSerialPorts();
  if (ports.length === 0) return 'no serial ports found on this machine (is the USB RS-485 adapter plugged in?)\n';
  return `serial ports on this machine (use the /dev/serial/by-id/ names, they survive re-plugging):\n${ports.map((p) => `  ${p.path}${p.path !== p.device ? `  -> ${p.device}` : ''}`).join('\n')}\n`;
}
