import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP forwarder on 127.0.0.1 standing for the cellular link: `blackhole()` keeps the connections
 * open but lets no byte through in either direction (packets lost on a failing link), so a publish
 * leaves the gateway and is never acknowledged; `heal()` drops the dead connections and forwards
 * again.
 */
export interface LossyLink {
  port: number;
  url: string;
  blackhole(): void;
  heal(): void;
  close(): Promise<void>;
}

export async function startLossyLink(targetPort: number): Promise<LossyLink> {
  const sockets = new Set<Socket>();
  let dark = false;
  const server: Server = createServer((inbound) => {
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
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dropAll = (): void => {
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    blackhole: () => {
      dark = true;
    },
    heal: () => {
      // A stream cut in the middle of an MQTT packet cannot be resumed: both ends start over.
      dropAll();
      dark = false;
    },
    close: async () => {
      dropAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
