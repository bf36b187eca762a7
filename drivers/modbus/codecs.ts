import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { PointValue, Quality } from '../../core/reading.ts';
import type { ModbusPointConfig } from './config-schema.ts';

/** How a point's registers are read: int16 ... float64, one bit of a register, or a coil/input state. */
export type DataType = ModbusPointConfig['type'];
/** Byte/word order of a register value: ABCD big-endian, CDAB word swap, BADC byte swap, DCBA little-endian. */
export type ByteOrder = ModbusPointConfig['order'];

const registerCounts: Record<DataType, number> = { int16: 1, uint16: 1, bit: 1, int32: 2, uint32: 2, float32: 2, float64: 4, bool: 1 };

/** How many registers (or bits, for `bool`) a value of `type` occupies. */
export function registerCount(type: DataType): number {
  return registerCounts[type];
}

/**
 * Puts the bytes of registers as they came off the wire into big-endian (ABCD...) order.
 * ABCD: as is. CDAB: words reversed. BADC: bytes swapped inside each word. DCBA: all bytes
 * reversed. Each reordering is its own inverse, so the same function encodes for writing.
 */
export function reorder(bytes: Buffer, order: ByteOrder): Buffer {
  const out = Buffer.from(bytes);
  const words = out.length / 2;
  if (order === 'CDAB' || order === 'DCBA') {
    for (let i = 0; i < words; i++) bytes.copy(out, 2 * i, 2 * (words - 1 - i), 2 * (words - i));
  }
  if (order === 'BADC' || order === 'DCBA') {
    for (let i = 0; i < words; i++) {
      const hi = out[2 * i]!;
      out[2 * i] = out[2 * i + 1]!;
      out[2 * i + 1] = hi;
    }
  }
  return out;
}

function registersToBytes(registers: readonly number[]): Buffer {
  const bytes = Buffer.alloc(registers.length * 2);
  registers.forEach((r, i) => bytes.writeUInt16BE(r & 0xffff, 2 * i));
  return bytes;
}

/** The raw number held by `registers` (exactly registerCount(type) of them), before scale and offset. */
export function decodeRaw(type: Exclude<DataType, 'bit' | 'bool'>, order: ByteOrder, registers: readonly number[]): number {
  const be = reorder(registersToBytes(registers), order);
  switch (type) {
    case 'int16':
      return be.readInt16BE(0);
    case 'uint16':
      return be.readUInt16BE(0);
    case 'int32':
      return be.readInt32BE(0);
    case 'uint32':
      return be.readUInt32BE(0);
    case 'float32':
      return be.readFloatBE(0);
    case 'float64':
      return be.readDoubleBE(0);
  }
}

/** The registers, in wire order, that carry `raw` as `type` in `order`. */
export function encodeRaw(type: Exclude<DataType, 'bit' | 'bool'>, order: ByteOrder, raw: number): number[] {
  const be = Buffer.alloc(registerCount(type) * 2);
  const integral = type !== 'float32' && type !== 'float64';
  if (integral) {
    const limits: Record<string, [number, number]> = { int16: [-32768, 32767], uint16: [0, 65535], int32: [-(2 ** 31), 2 ** 31 - 1], uint32: [0, 2 ** 32 - 1] };
    const [lo, hi] = limits[type]!;
    if (!Number.isInteger(raw) || raw < lo || raw > hi) throw new GatewayError(ErrorCodes.UsageError, `${raw} does not fit in ${type} (${lo}..${hi})`);
  }
  if (type === 'int16') be.writeInt16BE(raw, 0);
  else if (type === 'uint16') be.writeUInt16BE(raw, 0);
  else if (type === 'int32') be.writeInt32BE(raw, 0);
  else if (type === 'uint32') be.writeUInt32BE(raw, 0);
  else if (type === 'float32') be.writeFloatBE(raw, 0);
  else be.writeDoubleBE(raw, 0);
  const wire = reorder(be, order);
  const registers: number[] = [];
  for (let i = 0; i < wire.length; i += 2) registers.push(wire.readUInt16BE(i));
  return registers;
}

/** One decoded point: a value, or null with a reason; never a made-up number. */
export interface DecodedPoint {
  value: PointValue;
  quality: Quality;
  reason?: string;
}

function tidy(value: number, type: DataType): number {
  // float32 carries ~7 significant digits; printing more only shows conversion noise (7.199999809).
  const digits = type === 'float32' ? 7 : 12;
  return Number(value.toPrecision(digits));
}

function hex(raw: number): string {
  return Number.isInteger(raw) && raw >= 0 ? `0x${raw.toString(16).toUpperCase()}` : String(raw);
}

/**
 * Decodes a point from the registers (or bits) read for it: sentinels and fault ranges give null
 * with quality bad; a value outside the plausible min/max is kept but marked uncertain.
 */
export function decodePoint(point: ModbusPointConfig, data: { registers?: readonly number[]; bits?: readonly boolean[] }): DecodedPoint {
  if (point.type === 'bool') {
    const bit = data.bits?.[0];
    if (bit === undefined) return { value: null, quality: 'bad', reason: 'no data' };
    return { value: point.invert ? !bit : bit, quality: 'good' };
  }
  const registers = data.registers ?? [];
  if (point.type === 'bit') {
    const register = registers[0];
    if (register === undefined) return { value: null, quality: 'bad', reason: 'no data' };
    const on = ((register >> (point.bit ?? 0)) & 1) === 1;
    return { value: point.invert ? !on : on, quality: 'good' };
  }
  if (registers.length < registerCount(point.type)) return { value: null, quality: 'bad', reason: 'no data' };
  const raw = decodeRaw(point.type, point.order, registers);
  if (Number.isNaN(raw) || point.sentinels.includes(raw)) return { value: null, quality: 'bad', reason: `no value (device sent ${hex(raw)})` };
  if (!Number.isFinite(raw)) return { value: null, quality: 'bad', reason: `no value (device sent ${raw})` };
  for (const fault of point.faults) {
    if ((fault.rawBelow !== undefined && raw < fault.rawBelow) || (fault.rawAbove !== undefined && raw > fault.rawAbove)) {
      return { value: null, quality: 'bad', reason: fault.reason };
    }
  }
  const value = tidy(tidy(raw, point.type) * point.scale + point.offset, 'float64');
  if (point.min !== undefined && value < point.min) return { value, quality: 'uncertain', reason: `below plausible minimum ${point.min}` };
  if (point.max !== undefined && value > point.max) return { value, quality: 'uncertain', reason: `above plausible maximum ${point.max}` };
  return { value, quality: 'good' };
}

/** What to put on the wire to write `value` to `point`: registers, or one bit. */
export function encodePoint(point: ModbusPointConfig, value: number | boolean): { registers: number[] } | { bit: boolean } {
  if (point.type === 'bool' || point.type === 'bit') {
    if (typeof value !== 'boolean' && value !== 0 && value !== 1) throw new GatewayError(ErrorCodes.UsageError, `point ${point.name} takes true/false (or 1/0), got ${value}`);
    const on = value === true || value === 1;
    if (point.type === 'bit') throw new GatewayError(ErrorCodes.UsageError, `point ${point.name} is one bit of a register; write the whole register instead`);
    return { bit: point.invert ? !on : on };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new GatewayError(ErrorCodes.UsageError, `point ${point.name} takes a number, got ${String(value)}`);
  let raw = (value - point.offset) / point.scale;
  if (point.type !== 'float32' && point.type !== 'float64') raw = Math.round(raw);
  return { registers: encodeRaw(point.type, point.order, raw) };
}
