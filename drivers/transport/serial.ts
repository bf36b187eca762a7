import { SerialPort } from 'serialport';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { bitsPerChar, type ByteLink, type LinkHandlers, type SerialFraming } from './types.ts';

/** A serial port path and its line settings. */
export interface SerialLinkOptions extends SerialFraming {
  path: string;
}

/**
 * Translates the OS's errors into what a technician can act on. serialport reports them as
 * messages (`Error: No such file or directory, cannot open /dev/ttyUSB9`), sometimes with errno.
 */
export function portOpenError(path: string, thrown: unknown): GatewayError {
  const error = toError(thrown);
  const code = 'code' in error && typeof error.code === 'string' ? error.code : '';
  const text = `${code} ${error.message}`;
  if (/ENOENT|No such file/i.test(text)) {
    return new GatewayError(ErrorCodes.PortNotFound, `serial port ${path} does not exist (is the adapter plugged in? list ports with: ls -l /dev/serial/by-id/)`, { cause: error, context: { port: path } });
  }
  if (/EACCES|EPERM|Permission denied/i.test(text)) {
    return new GatewayError(ErrorCodes.PortPermission, `no permission to open ${path}: add the gateway's user to the dialout group (sudo usermod -aG dialout $USER, then log in again)`, { cause: error, context: { port: path } });
  }
  if (/EBUSY|lock|Resource temporarily unavailable/i.test(text)) {
    return new GatewayError(ErrorCodes.PortBusy, `serial port ${path} is in use by another program (find it with: fuser -v ${path}); only one program may own a bus`, { cause: error, context: { port: path } });
  }
  return new GatewayError(ErrorCodes.TransportClosed, `cannot open serial port ${path}: ${error.message}`, { cause: error, context: { port: path } });
}

/**
 * The one place that opens a serial port: line settings, an exclusive lock (two programs on one
 * bus garble each other's frames), and open errors a technician can act on. The Modbus link below
 * and the serial sensors' link (drivers/serial/port.ts) both open through it.
 */
export async function openSerialPort(options: SerialLinkOptions): Promise<SerialPort> {
  const { path, baud, dataBits, parity, stopBits } = options;
  const port = new SerialPort({ path, baudRate: baud, dataBits, parity, stopBits, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(portOpenError(path, error)) : resolve())));
  return port;
}

/** A serial port (RS-485 adapter, UART, or a pty in tests) as a ByteLink. */
export class SerialLink implements ByteLink {
  readonly description: string;
  readonly bitsPerChar: number;
  readonly baud: number;
  private readonly options: SerialLinkOptions;
  private port: SerialPort | undefined;
  private handlers: LinkHandlers | undefined;
  private closing = false;

  constructor(options: SerialLinkOptions) {
    this.options = options;
    this.baud = options.baud;
    this.bitsPerChar = bitsPerChar(options);
    this.description = `serial:${options.path}@${options.baud}-${options.dataBits}${options.parity[0]!.toUpperCase()}${options.stopBits}`;
  }

  get isOpen(): boolean {
    return this.port?.isOpen === true;
  }

  setHandlers(handlers: LinkHandlers): void {
    this.handlers = handlers;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const port = await openSerialPort(this.options);
    this.closing = false;
    port.on('data', (chunk: Buffer) => this.handlers?.data(chunk));
    port.on('close', (error: Error | null) => {
      if (this.port === port) this.port = undefined;
      if (!this.closing) this.handlers?.closed(error ?? undefined);
    });
    port.on('error', (error: Error) => {
      if (!this.closing) this.handlers?.closed(error);
    });
    this.port = port;
  }

  async write(data: Uint8Array): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) throw new GatewayError(ErrorCodes.TransportClosed, `${this.description} is not open`);
    await new Promise<void>((resolve, reject) => {
      port.write(Buffer.from(data), (error) => (error ? reject(new GatewayError(ErrorCodes.TransportClosed, `write to ${this.description} failed: ${error.message}`, { cause: error })) : resolve()));
    });
  }

  async flushInput(): Promise<void> {
    const port = this.port;
    if (!port?.isOpen) return;
    await new Promise<void>((resolve) => port.flush(() => resolve()));
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = undefined;
    if (!port?.isOpen) return;
    this.closing = true;
    await new Promise<void>((resolve) => port.close(() => resolve()));
  }
}
