import { ErrorCodes, GatewayError } from '../../core/errors.ts';

/** A Modbus request as the scheduler hands it to a channel (protocol addresses, 0-based). */
export type ModbusRequest =
  | { fc: 1 | 2 | 3 | 4; address: number; count: number }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15; address: number; values: boolean[] }
  | { fc: 16; address: number; values: number[] }
  | { fc: 17 };

/** What a successful reply carries, by function. */
export interface ModbusResponse {
  fc: number;
  bits?: boolean[];
  registers?: number[];
  /** FC 17 (report server id): the raw payload after the byte count. */
  data?: Buffer;
}

/** Per-request limits from the Modbus application protocol (see FIELD-NOTES). */
export const maxCount: Record<1 | 2 | 3 | 4 | 15 | 16, number> = { 1: 2000, 2: 2000, 3: 125, 4: 125, 15: 1968, 16: 123 };

/** Names of the Modbus exception codes, for reasons and logs. */
export const exceptionNames: Record<number, string> = {
  1: 'illegal function',
  2: 'illegal data address',
  3: 'illegal data value',
  4: 'server device failure',
  5: 'acknowledge',
  6: 'server device busy',
  8: 'memory parity error',
  10: 'gateway path unavailable',
  11: 'gateway target device failed to respond',
};

/** `exception 2 (illegal data address)`: the reason text a reading carries. */
export function exceptionReason(code: number): string {
  return `exception ${code} (${exceptionNames[code] ?? 'unknown'})`;
}

function invalid(message: string): GatewayError {
  return new GatewayError(ErrorCodes.UsageError, message);
}

/** Encodes a request PDU (function code and data, no address or checksum). */
export function encodeRequest(req: ModbusRequest): Buffer {
  switch (req.fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      if (req.count < 1 || req.count > maxCount[req.fc]) throw invalid(`FC${req.fc}: count ${req.count} outside 1-${maxCount[req.fc]}`);
      const pdu = Buffer.alloc(5);
      pdu.writeUInt8(req.fc, 0);
      pdu.writeUInt16BE(req.address, 1);
      pdu.writeUInt16BE(req.count, 3);
      return pdu;
    }
    case 5:
      return Buffer.from([5, req.address >> 8, req.address & 0xff, req.value ? 0xff : 0, 0]);
    case 6: {
      const pdu = Buffer.alloc(5);
      pdu.writeUInt8(6, 0);
      pdu.writeUInt16BE(req.address, 1);
      pdu.writeUInt16BE(req.value & 0xffff, 3);
      return pdu;
    }
    case 15: {
      const n = req.values.length;
      if (n < 1 || n > maxCount[15]) throw invalid(`FC15: ${n} coils outside 1-${maxCount[15]}`);
      const byteCount = Math.ceil(n / 8);
      const pdu = Buffer.alloc(6 + byteCount);
      pdu.writeUInt8(15, 0);
      pdu.writeUInt16BE(req.address, 1);
      pdu.writeUInt16BE(n, 3);
      pdu.writeUInt8(byteCount, 5);
      req.values.forEach((on, i) => {
        if (on) pdu[6 + (i >> 3)]! |= 1 << (i & 7);
      });
      return pdu;
    }
    case 16: {
      const n = req.values.length;
      if (n < 1 || n > maxCount[16]) throw invalid(`FC16: ${n} registers outside 1-${maxCount[16]}`);
      const pdu = Buffer.alloc(6 + 2 * n);
      pdu.writeUInt8(16, 0);
      pdu.writeUInt16BE(req.address, 1);
      pdu.writeUInt16BE(n, 3);
      pdu.writeUInt8(2 * n, 5);
      req.values.forEach((v, i) => pdu.writeUInt16BE(v & 0xffff, 6 + 2 * i));
      return pdu;
    }
    case 17:
      return Buffer.from([17]);
  }
}

/**
 * Length of a reply PDU once its first bytes are known, or undefined when more bytes are needed.
 * Returns -1 for a function code a reply cannot carry (the bytes are noise).
 */
export function replyPduLength(head: Uint8Array): number | undefined {
  if (head.length < 1) return undefined;
  const fc = head[0]!;
  if (fc & 0x80) return (fc & 0x7f) >= 1 && (fc & 0x7f) <= 43 ? 2 : -1;
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4:
    case 17:
    case 23:
      return head.length < 2 ? undefined : 2 + head[1]!;
    case 5:
    case 6:
    case 15:
    case 16:
      return 5;
    default:
      return -1;
  }
}

/** Bytes of a normal RTU reply to `req` (address + PDU + CRC); FC17's length is not known ahead. */
export function expectedRtuReplyBytes(req: ModbusRequest): number {
  switch (req.fc) {
    case 1:
    case 2:
      return 5 + Math.ceil(req.count / 8);
    case 3:
    case 4:
      return 5 + 2 * req.count;
    case 17:
      return 5;
    default:
      return 8;
  }
}

/**
 * Decodes a reply PDU to `req`. An exception reply throws GatewayError(ModbusException) with
 * `context.exceptionCode`; a reply that does not fit the request throws FrameInvalid.
 */
export function decodeResponse(req: ModbusRequest, pdu: Buffer): ModbusResponse {
  const fc = pdu[0];
  if (fc === (req.fc | 0x80)) {
    const code = pdu[1] ?? 0;
    throw new GatewayError(ErrorCodes.ModbusException, exceptionReason(code), { context: { exceptionCode: code, fc: req.fc } });
  }
  if (fc !== req.fc) throw frameError(`reply function ${fc} to a request of function ${req.fc}`);
  switch (req.fc) {
    case 1:
    case 2: {
      const byteCount = pdu[1]!;
      if (byteCount !== Math.ceil(req.count / 8) || pdu.length !== 2 + byteCount) throw frameError(`FC${req.fc} reply of ${byteCount} bytes for ${req.count} bits`);
      const bits: boolean[] = [];
      for (let i = 0; i < req.count; i++) bits.push(((pdu[2 + (i >> 3)]! >> (i & 7)) & 1) === 1);
      return { fc, bits };
    }
    case 3:
    case 4: {
      const byteCount = pdu[1]!;
      if (byteCount !== 2 * req.count || pdu.length !== 2 + byteCount) throw frameError(`FC${req.fc} reply of ${byteCount} bytes for ${req.count} registers`);
      const registers: number[] = [];
      for (let i = 0; i < req.count; i++) registers.push(pdu.readUInt16BE(2 + 2 * i));
      return { fc, registers };
    }
    case 5:
    case 6:
    case 15:
    case 16: {
      if (pdu.length !== 5 || pdu.readUInt16BE(1) !== req.address) throw frameError(`FC${req.fc} echo does not match the request`);
      return { fc };
    }
    case 17:
      return { fc, data: pdu.subarray(2, 2 + pdu[1]!) };
  }
}

function frameError(message: string): GatewayError {
  return new GatewayError(ErrorCodes.FrameInvalid, message);
}

/** A short label for logs and scan output: `FC03 0x0001+2`. */
export function describeRequest(req: ModbusRequest): string {
  const fc = `FC${String(req.fc).padStart(2, '0')}`;
  if (req.fc === 17) return fc;
  const n = 'count' in req ? req.count : 'values' in req ? req.values.length : 1;
  return `${fc} 0x${req.address.toString(16).padStart(4, '0')}+${n}`;
}
