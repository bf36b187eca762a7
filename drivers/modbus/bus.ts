import type { Logger } from '../../core/log.ts';
import { createLink, type ByteLink } from '../transport/index.ts';
import type { ModbusChannel } from './channel.ts';
import type { ModbusBusConfig } from './config-schema.ts';
import { RtuChannel } from './rtu-channel.ts';
import { TcpChannel } from './tcp-channel.ts';

/** The link a bus config describes (serial port, or TCP socket for Modbus TCP and RTU over TCP). */
export function linkForBus(bus: ModbusBusConfig): ByteLink {
  if (bus.type === 'modbus-rtu') return createLink({ kind: 'serial', path: bus.port, baud: bus.baud, dataBits: bus.dataBits, parity: bus.parity, stopBits: bus.stopBits });
  return createLink({ kind: 'tcp', host: bus.host, port: bus.port, connectTimeoutMs: Math.max(bus.timeout, 1000) });
}

/** The framing a bus speaks over its link. */
export function channelForBus(bus: ModbusBusConfig, log: Logger, link: ByteLink = linkForBus(bus)): ModbusChannel {
  const silence = bus.interFrameDelay === undefined ? {} : { silenceMs: bus.interFrameDelay };
  if (bus.type === 'modbus-tcp') return new TcpChannel({ link, log, ...silence });
  return new RtuChannel({ link, log, ...silence });
}
