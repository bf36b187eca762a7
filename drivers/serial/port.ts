import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { openSerialPort, type SerialLinkOptions } from '../transport/serial.ts';

export type { SerialLinkOptions };

/**
 * The serial sensors' view of a port (opened by the transport layer's `openSerialPort`). A serial
 * bus talks to a `SerialLink`, so it can run over a real port, a pty pair or a test double without
 * knowing which (as zwave-js injects its serial binding).
 */

export interface SerialLink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
  onData(listener: (chunk: Buffer) => void): void;
  /** Called once when the link ends: `null` after `close()`, an error when the port went away. */
  onClose(listener: (error: Error | null) => void): void;
}

export type OpenSerialLink = (options: SerialLinkOptions) => Promise<SerialLink>;

/** Maps the OS's errors on an open port (write, drain, close) onto gateway codes. */
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

/** Opens a port through the transport layer and watches it for the bus. */
export const openSerialPortLink: OpenSerialLink = async (options) => {
  const port = await openSerialPort(options);
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
  return {
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
  };
};
