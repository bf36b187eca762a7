import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 standing for the cellular link, with two ways to fail:
 * - `cut()` drops every connection and refuses new ones (`restore()` accepts again on the same port);
 * - `blackhole()` keeps the connections open but lets no byte through in either direction (packets
 *   lost on a failing link), so a publish leaves the gateway and is never acknowledged; `heal()`
 *   drops the dead connections and forwards again.
 */
export interface TcpGate {
  port: number;
  url: string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  blackhole(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let dark = false;
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = createServer((inbound) => {
        const outbound = createConnection({ host: '127.0.0.1', port: targetPort });
        sockets.add(inbound);
        sockets.add(outbound);
        const drop = (): void => {
          inbound.destroy();
          outbound.destroy();
          sockets.delete(inbound);
          sockets.delete(outbound);
        };
        inbound.on('error', drop).on('close', drop);
        outbound.on('error', drop).on('close', drop);
        inbound.on('data', (chunk: Buffer) => {
          if (!dark) outbound.write(chunk);
        });
        outbound.on('data', (chunk: Buffer) => {
          if (!dark) inbound.write(chunk);
        });
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        server = s;
        const address = s.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    dropAll();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    cut,
    restore: async () => {
      if (!server) await listen(port);
    },
    blackhole: () => {
      dark = true;
    },
    heal: () => {
      // A stream cut in the middle of an MQTT packet cannot be resumed: both ends start over.
      dropAll();
      dark = false;
    },
    close: cut,
  };
}
