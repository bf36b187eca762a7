import { describe, expect, it } from 'vitest';
import { decodePoint, decodeRaw, encodePoint, encodeRaw } from '../../drivers/modbus/codecs.ts';
import { modbusPointSchema } from '../../drivers/modbus/config-schema.ts';

const point = (fields: Record<string, unknown>) => modbusPointSchema.parse({ name: 'p', address: 0, ...fields });

describe('byte and word orders (FIELD-NOTES: 123456.0 = 0x47F12000)', () => {
  const vectors = { ABCD: [0x47f1, 0x2000], CDAB: [0x2000, 0x47f1], DCBA: [0x0020, 0xf147], BADC: [0xf147, 0x0020] } as const;
  for (const [order, registers] of Object.entries(vectors)) {
    it(`float32 ${order}: ${registers.map((r) => r.toString(16).padStart(4, '0')).join(' ')}`, () => {
      expect(decodeRaw('float32', order as keyof typeof vectors, registers)).toBe(123456);
      expect(encodeRaw('float32', order as keyof typeof vectors, 123456)).toEqual(registers);
    });
  }

  it('int32 and uint32 in both word orders', () => {
    expect(decodeRaw('int32', 'ABCD', [0xfffe, 0x1dc0])).toBe(-123456);
    expect(decodeRaw('int32', 'CDAB', [0x1dc0, 0xfffe])).toBe(-123456);
    expect(decodeRaw('uint32', 'ABCD', [0x0001, 0xe240])).toBe(123456);
    expect(decodeRaw('uint32', 'CDAB', [0xe240, 0x0001])).toBe(123456);
  });

  it('float64 in all four orders round-trips', () => {
    for (const order of ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const) {
      const regs = encodeRaw('float64', order, -9876.54321);
      expect(regs).toHaveLength(4);
      expect(decodeRaw('float64', order, regs)).toBe(-9876.54321);
    }
    // 1.0 = 3FF0 0000 0000 0000; word-swapped puts 3FF0 last
    expect(decodeRaw('float64', 'ABCD', [0x3ff0, 0, 0, 0])).toBe(1);
    expect(decodeRaw('float64', 'CDAB', [0, 0, 0, 0x3ff0])).toBe(1);
  });

  it('int16 with byte swap', () => {
    expect(decodeRaw('int16', 'ABCD', [0xff85])).toBe(-123);
    expect(decodeRaw('int16', 'BADC', [0x85ff])).toBe(-123);
  });
});

describe('points', () => {
  it('applies scale and offset (pH x0.1, degC x0.1)', () => {
    expect(decodePoint(point({ type: 'int16', scale: 0.1 }), { registers: [72] })).toEqual({ value: 7.2, quality: 'good' });
    expect(decodePoint(point({ type: 'int16', scale: 0.1 }), { registers: [0xfff6] }).value).toBe(-1);
    expect(decodePoint(point({ type: 'uint16', scale: 0.0003125, offset: -1.25 }), { registers: [12000] }).value).toBe(2.5);
  });

  it('shows float32 values without conversion noise', () => {
    expect(decodePoint(point({ type: 'float32' }), { registers: encodeRaw('float32', 'ABCD', 7.2) }).value).toBe(7.2);
  });

  it('turns sentinels and NaN into null with a reason, never a number', () => {
    expect(decodePoint(point({ type: 'uint16', sentinels: [0xffff] }), { registers: [0xffff] })).toEqual({ value: null, quality: 'bad', reason: 'no value (device sent 0xFFFF)' });
    expect(decodePoint(point({ type: 'float32' }), { registers: [0x7fc0, 0] })).toMatchObject({ value: null, quality: 'bad' });
    expect(decodePoint(point({ type: 'float32', order: 'CDAB', sentinels: [-99999] }), { registers: encodeRaw('float32', 'CDAB', -99999) }).value).toBeNull();
  });

  it('flags a broken 4-20 mA loop as bad and an implausible value as uncertain', () => {
    const loop = point({ type: 'uint16', scale: 0.001, faults: [{ rawBelow: 3800, reason: 'broken loop' }] });
    expect(decodePoint(loop, { registers: [0] })).toEqual({ value: null, quality: 'bad', reason: 'broken loop' });
    expect(decodePoint(loop, { registers: [4000] })).toEqual({ value: 4, quality: 'good' });
    expect(decodePoint(point({ type: 'uint16', max: 10 }), { registers: [11] })).toMatchObject({ value: 11, quality: 'uncertain' });
  });

  it('reads bits of a register and coil states, inverted when asked', () => {
    expect(decodePoint(point({ type: 'bit', bit: 3 }), { registers: [0b1000] }).value).toBe(true);
    expect(decodePoint(point({ type: 'bit', bit: 2 }), { registers: [0b1000] }).value).toBe(false);
    expect(decodePoint(point({ table: 'coil', type: 'bool' }), { bits: [true] }).value).toBe(true);
    expect(decodePoint(point({ table: 'discrete', type: 'bool', invert: true }), { bits: [true] }).value).toBe(false);
  });

  it('encodes writes back through scale and order, and refuses values that do not fit', () => {
    expect(encodePoint(point({ type: 'uint16', scale: 0.01 }), 6)).toEqual({ registers: [600] });
    expect(encodePoint(point({ type: 'float32', order: 'CDAB' }), 123456)).toEqual({ registers: [0x2000, 0x47f1] });
    expect(encodePoint(point({ table: 'coil', type: 'bool' }), true)).toEqual({ bit: true });
    expect(() => encodePoint(point({ type: 'uint16' }), 70000)).toThrow(/does not fit/);
    expect(() => encodePoint(point({ type: 'int16' }), true)).toThrow(/takes a number/);
  });
});
