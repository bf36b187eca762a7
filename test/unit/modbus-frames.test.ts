import { describe, expect, it } from 'vitest';
import { crc16, crcValid, withCrc } from '../../drivers/modbus/crc.ts';
import { decodeResponse, encodeRequest, replyPduLength } from '../../drivers/modbus/pdu.ts';
import { ErrorCodes, GatewayError } from '../../core/errors.ts';

describe('CRC-16/MODBUS', () => {
  it('matches the field-notes vector: 01 03 00 00 00 02 -> C4 0B', () => {
    const frame = withCrc(Buffer.from('010300000002', 'hex'));
    expect(frame.toString('hex')).toBe('010300000002c40b');
    expect(crcValid(frame)).toBe(true);
  });

  it('matches the CRC catalogue check value for "123456789" (0x4B37)', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x4b37);
  });

  it('rejects a frame with one flipped bit', () => {
    const frame = withCrc(Buffer.from('0103040001000a', 'hex'));
    frame[3]! ^= 0x10;
    expect(crcValid(frame)).toBe(false);
  });
});

describe('request PDUs', () => {
  it('encodes reads and the four write functions byte for byte', () => {
    expect(encodeRequest({ fc: 3, address: 0x0100, count: 4 }).toString('hex')).toBe('0301000004');
    expect(encodeRequest({ fc: 5, address: 3, value: true }).toString('hex')).toBe('050003ff00');
    expect(encodeRequest({ fc: 5, address: 3, value: false }).toString('hex')).toBe('0500030000');
    expect(encodeRequest({ fc: 6, address: 1, value: 0xabcd }).toString('hex')).toBe('060001abcd');
    // 10 coils 1,0,1,1,0,0,1,1 | 1,0 -> CD 01 (Modbus spec example)
    expect(encodeRequest({ fc: 15, address: 0x13, values: [true, false, true, true, false, false, true, true, true, false] }).toString('hex')).toBe('0f0013000a02cd01');
    expect(encodeRequest({ fc: 16, address: 1, values: [0x000a, 0x0102] }).toString('hex')).toBe('100001000204000a0102');
  });

  it('refuses counts beyond the protocol limits', () => {
    expect(() => encodeRequest({ fc: 3, address: 0, count: 126 })).toThrow(/1-125/);
    expect(() => encodeRequest({ fc: 16, address: 0, values: new Array(124).fill(0) })).toThrow(/1-123/);
  });
});

describe('reply PDUs', () => {
  it('knows reply lengths from the first bytes', () => {
    expect(replyPduLength(Buffer.from([3]))).toBeUndefined();
    expect(replyPduLength(Buffer.from([3, 4]))).toBe(6);
    expect(replyPduLength(Buffer.from([0x83]))).toBe(2);
    expect(replyPduLength(Buffer.from([6]))).toBe(5);
    expect(replyPduLength(Buffer.from([0x42]))).toBe(-1);
  });

  it('decodes registers and bits', () => {
    expect(decodeResponse({ fc: 3, address: 0, count: 2 }, Buffer.from('030447f12000', 'hex')).registers).toEqual([0x47f1, 0x2000]);
    expect(decodeResponse({ fc: 2, address: 0, count: 10 }, Buffer.from('0202cd01', 'hex')).bits).toEqual([true, false, true, true, false, false, true, true, true, false]);
  });

  it('turns an exception reply into ModbusException with the code', () => {
    let caught: unknown;
    try {
      decodeResponse({ fc: 3, address: 0, count: 2 }, Buffer.from('8302', 'hex'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    expect(caught).toMatchObject({ code: ErrorCodes.ModbusException, context: { exceptionCode: 2 }, message: 'exception 2 (illegal data address)' });
  });

  it('rejects a reply whose byte count does not fit the request', () => {
    expect(() => decodeResponse({ fc: 3, address: 0, count: 2 }, Buffer.from('0302abcd', 'hex'))).toThrow(/2 bytes for 2 registers/);
  });
});
