import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import type { FlowsEditorConfig } from './config-schema.ts';

/** Where the editor listens once started. */
export interface EditorAddress {
  url: string;
  host: string;
  port: number;
}

/** The editor's HTTP(S) server; requests go to Node-RED's admin app (editor and admin API). */
export function createEditorServer(editor: FlowsEditorConfig, handler: RequestListener): Server {
  if (!editor.tls) return createHttpServer(handler);
  // The paths were resolved against the config file's folder (and checked readable) when it loaded.
  const read = (file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new GatewayError(ErrorCodes.ConfigInvalid, `flows.editor.tls: cannot read ${file}: ${toError(error).message}`, { cause: error });
    }
  };
  return createHttpsServer({ cert: read(editor.tls.cert), key: read(editor.tls.key) }, handler);
}

/** Listens on host:port (0 for a free port) and resolves with the address. */
export function listen(server: Server, editor: FlowsEditorConfig): Promise<EditorAddress> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: Error): void => {
      reject(new GatewayError(ErrorCodes.FlowsFailed, `flows editor cannot listen on ${editor.host}:${editor.port}: ${error.message}`, { cause: error }));
    };
    server.once('error', onError);
    server.listen(editor.port, editor.host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      const scheme = editor.tls ? 'https' : 'http';
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolvePromise({ url: `${scheme}://${host}:${address.port}/`, host: address.address, port: address.port });
    });
  });
}

/** Stops accepting connections and drops open ones (editor sessions reconnect after a restart). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolvePromise) => {
    if (!server.listening) {
      resolvePromise();
      return;
    }
    server.close(() => resolvePromise());
    server.closeAllConnections();
  });
}
