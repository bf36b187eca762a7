import { SerialPort } from 'serialport';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';

/**
 * The one place that opens a serial port. Everything else talks to a `SerialLink`, so a bus can
 * run over a real port, a pty pair or a test double without knowing which (as zwave-js injects
 * its serial binding).
 */
export interface SerialLinkOptions {
  path: string;
  baud: number;
  parity: 'none' | 'even' | 'odd';
  dataBits: 7 | 8;
  stopBits: 1 | 2;
}

export interface SerialLink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once when the link ends: `null` after `close()`, an error when the port went away. */
  onClose(listener: (error: Error | null) => void): void;
}

export type OpenSerialLink = (options: SerialLinkOptions) => Promise<SerialLink>;

/** Maps the OS's errors onto gateway codes (so retry loops know a missing port is worth retrying). */
export function portError(error: unknown, path: string): GatewayError {
  const err = toError(error);
  const text = err.message;
  const code = /ENOENT|No such file/i.test(text)
    ? ErrorCodes.PortNotFound
    : /EBUSY|lock/i.test(text)
      ? ErrorCodes.PortBusy
      : /EACCES|EPERM|permission/i.test(text)
        ? ErrorCodes.PortPermission
        : ErrorCodes.TransportClosed;
  return new GatewayError(code, `serial port ${path}: ${text}`, { context: { path }, cause: err });
}

/** Opens a port through `serialport`. */
export const openSerialPortLink: OpenSerialLink = (options) =>
  new Promise((resolve, reject) => {
    const port = new SerialPort({
      path: options.path,
      baudRate: options.baud,
      parity: options.parity,
      dataBits: options.dataBits,
      stopBits: options.stopBits,
      autoOpen: false,
    });
    port.open((error) => {
      if (error) {
        reject(portError(error, options.path));
        return;
      }
      let closed = false;
      const closeListeners: Array<(error: Error | null) => void> = [];
      let lastError: Error | null = null;
      const finish = (error: Error | null): void => {
        if (closed) return;
        closed = true;
        for (const listener of closeListeners) listener(error);
      };
      // A vanished port (USB unplugged, pty peer gone) shows up as an error and/or a close.
      port.on('error', (e: unknown) => {
        lastError = portError(e, options.path);
        if (!port.isOpen) finish(lastError);
      });
      port.on('close', (e: unknown) => finish(e ? portError(e, options.path) : lastError));
      resolve({
        write: (bytes) =>
          new Promise<void>((done, fail) => {
            if (closed) {
              fail(new GatewayError(ErrorCodes.TransportClosed, `serial port ${options.path} is closed`));
              return;
            }
            port.write(Buffer.from(bytes), (e) => (e ? fail(portError(e, options.path)) : port.drain((d) => (d ? fail(portError(d, options.path)) : done()))));
          }),
        close: () =>
          new Promise<void>((done) => {
            if (closed || !port.isOpen) {
              finish(null);
              done();
              return;
            }
            port.close(() => {
              finish(null);
              done();
            });
          }),
        onData: (listener) => port.on('data', listener),
        onClose: (listener) => closeListeners.push(listener),
      });
    });
  });
