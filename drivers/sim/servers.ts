import { createServer, type Server, type Socket } from 'node:net';
import { createLink } from '../transport/index.ts';
import type { SerialFraming } from '../transport/types.ts';
import { rtuResponder, tcpResponder, type Responder, type WireTiming } from './responder.ts';
import type { SimSlave } from './slave.ts';

/** A running simulator endpoint. */
export interface SimEndpoint {
  /** TCP port (for TCP endpoints) or 0. */
  port: number;
  stop(): Promise<void>;
}

/** Serves simulated devices as Modbus TCP (`framing: 'tcp'`) or raw RTU over TCP (a serial device server). */
export async function serveTcp(slaves: ReadonlyMap<number, SimSlave>, options: { framing: 'tcp' | 'rtu'; host?: string; port?: number; timing?: WireTiming }): Promise<SimEndpoint> {
  const sockets = new Set<Socket>();
  const responders = new Set<Responder>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const send = (bytes: Buffer): void => {
      if (!socket.destroyed) socket.write(bytes);
    };
    const responder = options.framing === 'tcp' ? tcpResponder(slaves, send) : rtuResponder(slaves, send, options.timing);
    responders.add(responder);
    socket.on('data', (chunk: Buffer) => responder.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      responder.close();
      responders.delete(responder);
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    async stop() {
      for (const r of responders) r.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves simulated devices as RTU slaves on a serial port (a real RS-485 adapter, or one end of a pty pair). */
export async function serveSerial(slaves: ReadonlyMap<number, SimSlave>, options: SerialFraming & { path: string; timing?: WireTiming }): Promise<SimEndpoint> {
  const link = createLink({ kind: 'serial', path: options.path, baud: options.baud, dataBits: options.dataBits, parity: options.parity, stopBits: options.stopBits });
  const responder = rtuResponder(slaves, (bytes) => void link.write(bytes).catch(() => undefined), options.timing);
  link.setHandlers({ data: (chunk) => responder.onData(chunk), closed: () => responder.close() });
  await link.open();
  return {
    port: 0,
    async stop() {
      responder.close();
      await link.close();
    },
  };
}
