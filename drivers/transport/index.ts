import type { ByteLink } from './types.ts';
import { SerialLink } from './serial.ts';
import { TcpLink } from './tcp.ts';

export type { ByteLink, LinkHandlers, SerialFraming } from './types.ts';
export { listSerialPorts, type PortListing } from './list-ports.ts';

/** Where a link goes: a serial port with its line settings, or a TCP endpoint. */
export type LinkTarget =
  | { kind: 'serial'; path: string; baud: number; dataBits: 7 | 8; parity: 'none' | 'even' | 'odd'; stopBits: 1 | 2 }
  | { kind: 'tcp'; host: string; port: number; connectTimeoutMs?: number };

/** The one place that picks a transport implementation. */
export function createLink(target: LinkTarget): ByteLink {
  if (target.kind === 'serial') return new SerialLink(target);
  return new TcpLink({ host: target.host, port: target.port, connectTimeoutMs: target.connectTimeoutMs ?? 3000 });
}
