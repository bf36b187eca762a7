import { crcValid, withCrc } from '../modbus/crc.ts';
import type { SimSlave } from './slave.ts';

/** Makes reply timing physical: bytes take wire time, and the device needs time to turn around. */
export interface WireTiming {
  baud: number;
  bitsPerChar: number;
  /** Time the device takes between the end of the request and the start of its reply. */
  turnaroundMs: number;
}

/** The device side of one connection or line. */
export interface Responder {
  /** Feed bytes received from the master. */
  onData(chunk: Buffer): void;
  /** Cancel replies not yet sent. */
  close(): void;
}

/** Length of an RTU request frame from its first bytes; -1 when byte 1 is no request function. */
function requestFrameLength(buf: Buffer): number | undefined {
  if (buf.length < 2) return undefined;
  const fc = buf[1]!;
  if (fc >= 1 && fc <= 6) return 8;
  if (fc === 15 || fc === 16) return buf.length < 7 ? undefined : 9 + buf[6]!;
  if (fc === 17) return 4;
  return -1;
}

/**
 * The device side of an RTU line: finds request frames in the byte stream (valid CRC, a unit that
 * is present), lets that simulated device answer, and sends the reply after the device's delay.
 * Frames for units not present are ignored, as on a shared RS-485 pair.
 */
export function rtuResponder(slaves: ReadonlyMap<number, SimSlave>, send: (bytes: Buffer) => void, timing?: WireTiming): Responder {
  let rx: Buffer = Buffer.alloc(0);
  const timers = new Set<NodeJS.Timeout>();
  const wireMs = (bytes: number): number => (timing ? (bytes * timing.bitsPerChar * 1000) / timing.baud : 0);
  const later = (ms: number, fn: () => void): void => {
    if (ms <= 0) return fn();
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };
  return {
    onData(chunk) {
      rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk]);
      while (rx.length >= 2) {
        const length = requestFrameLength(rx);
        if (length === undefined) return;
        if (length < 0 || (rx.length >= length && !crcValid(rx.subarray(0, length)))) {
          rx = rx.subarray(1);
          continue;
        }
        if (rx.length < length) return;
        const frame = Buffer.from(rx.subarray(0, length));
        rx = rx.subarray(length);
        const unit = frame[0]!;
        const slave = slaves.get(unit);
        if (unit === 0) for (const s of slaves.values()) s.handle(frame.subarray(1, length - 2));
        if (slave) slave.requestsHeard++;
        if (!slave || slave.misbehave.mute) continue;
        const pdu = slave.handle(frame.subarray(1, length - 2));
        let reply = withCrc(Buffer.concat([Buffer.from([unit]), pdu]));
        if (slave.misbehave.crcError) reply[reply.length - 1]! ^= 0x5a;
        if (slave.misbehave.garbageBytes > 0) {
          const noise = Buffer.alloc(slave.misbehave.garbageBytes);
          for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(Math.random() * 256);
          reply = Buffer.concat([noise, reply]);
        }
        if (slave.misbehave.garbagePrefix) reply = Buffer.concat([Buffer.from(slave.misbehave.garbagePrefix), reply]);
        const silenceMs = timing ? (timing.baud > 19_200 ? 1.75 : wireMs(3.5)) : 0;
        const delayMs = wireMs(length) + silenceMs + (timing?.turnaroundMs ?? 0) + slave.misbehave.delayMs + wireMs(reply.length);
        later(delayMs, () => send(reply));
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

/**
 * The device side of Modbus TCP: MBAP frames in, MBAP frames out (same transaction id).
 * Requests for absent units get no reply, like a gateway whose target is gone.
 */
export function tcpResponder(slaves: ReadonlyMap<number, SimSlave>, send: (bytes: Buffer) => void): Responder {
  let rx: Buffer = Buffer.alloc(0);
  const timers = new Set<NodeJS.Timeout>();
  return {
    onData(chunk) {
      rx = rx.length === 0 ? chunk : Buffer.concat([rx, chunk]);
      while (rx.length >= 7) {
        const length = rx.readUInt16BE(4);
        if (rx.length < 6 + length) return;
        const frame = Buffer.from(rx.subarray(0, 6 + length));
        rx = rx.subarray(6 + length);
        const unit = frame[6]!;
        const slave = slaves.get(unit);
        if (slave) slave.requestsHeard++;
        if (!slave || slave.misbehave.mute) continue;
        const pdu = slave.handle(frame.subarray(7));
        const header = Buffer.alloc(7);
        frame.copy(header, 0, 0, 4);
        header.writeUInt16BE(pdu.length + 1, 4);
        header[6] = unit;
        let reply = Buffer.concat([header, pdu]);
        if (slave.misbehave.garbageBytes > 0) reply = Buffer.concat([Buffer.alloc(slave.misbehave.garbageBytes, 0xa5), reply]);
        const t = setTimeout(() => {
          timers.delete(t);
          send(reply);
        }, slave.misbehave.delayMs);
        timers.add(t);
      }
    },
    close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
