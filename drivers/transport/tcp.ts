import { Socket } from 'node:net';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import type { ByteLink, LinkHandlers } from './types.ts';

/** A TCP endpoint and how long to wait for a connection. */
export interface TcpLinkOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

/** A TCP connection (a Modbus TCP device, or a serial device server carrying RTU) as a ByteLink. */
export class TcpLink implements ByteLink {
  readonly description: string;
  readonly bitsPerChar = undefined;
  readonly baud = undefined;
  private readonly options: TcpLinkOptions;
  private socket: Socket | undefined;
  private handlers: LinkHandlers | undefined;

  constructor(options: TcpLinkOptions) {
    this.options = options;
    this.description = `tcp:${options.host}:${options.port}`;
  }

  get isOpen(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && this.socket.readyState === 'open';
  }

  setHandlers(handlers: LinkHandlers): void {
    this.handlers = handlers;
  }

  async open(): Promise<void> {
    if (this.isOpen) return;
    const { host, port, connectTimeoutMs } = this.options;
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new GatewayError(ErrorCodes.TransportClosed, `no TCP connection to ${host}:${port} within ${connectTimeoutMs} ms`, { context: { host, port } }));
      }, connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new GatewayError(ErrorCodes.TransportClosed, `cannot connect to ${host}:${port}: ${toError(error).message}`, { cause: error, context: { host, port } }));
      });
      socket.connect({ host, port });
    });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.removeAllListeners('error');
    socket.on('data', (chunk: Buffer) => this.handlers?.data(chunk));
    let closeError: Error | undefined;
    socket.on('error', (error) => {
      closeError = error;
    });
    socket.on('close', () => {
      if (this.socket === socket) {
        this.socket = undefined;
        this.handlers?.closed(closeError);
      }
    });
    this.socket = socket;
  }

  async write(data: Uint8Array): Promise<void> {
    const socket = this.socket;
    if (!socket || socket.destroyed) throw new GatewayError(ErrorCodes.TransportClosed, `${this.description} is not connected`);
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (error) => (error ? reject(new GatewayError(ErrorCodes.TransportClosed, `write to ${this.description} failed: ${error.message}`, { cause: error })) : resolve()));
    });
  }

  /** TCP has no device-side input buffer to flush; stale bytes are dropped by the framer. */
  async flushInput(): Promise<void> {}

  async close(): Promise<void> {
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.end();
      setTimeout(() => socket.destroy(), 200).unref();
    });
  }
}
