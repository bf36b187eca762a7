import { describe, expect, it } from 'vitest';
import { decodePmsData, pmsCommands, PmsParser } from '../../drivers/serial/pms5003.ts';
import { sdsCommands, SdsParser } from '../../drivers/serial/sds011.ts';
import { isServiceRequest, parseDataReply, parseMeasureReply, sdi12Crc } from '../../drivers/serial/sdi12.ts';
import { decodeLine, nmeaChecksum } from '../../drivers/serial/line-protocol.ts';
import { LineSplitter } from '../../drivers/serial/line-splitter.ts';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

describe('PMS5003 / PMS7003 (Plantower datasheet, appendix B)', () => {
  it('builds the mode and read commands byte for byte', () => {
    expect(pmsCommands.passiveMode).toEqual(hex('42 4D E1 00 00 01 70'));
    expect(pmsCommands.activeMode).toEqual(hex('42 4D E1 00 01 01 71'));
    expect(pmsCommands.read).toEqual(hex('42 4D E2 00 00 01 71'));
  });

  // Checksums of these frames were computed by hand (sum of bytes 0-29), not by the code under test.
  const frame = hex('42 4D 00 1C 00 05 00 08 00 0A 00 05 00 08 00 0A 03 E8 01 2C 00 3C 00 0A 00 02 00 01 97 00 02 D1');

  it('decodes a 32-byte data frame', () => {
    const parser = new PmsParser();
    const frames = parser.push(frame);
    expect(frames).toHaveLength(1);
    const f = frames[0]!;
    if (f.type !== 'data') throw new Error('expected a data frame');
    const { values, units } = decodePmsData(f.words, 'pms5003');
    expect(values).toEqual({
      pm1_cf1_ug_m3: 5, pm25_cf1_ug_m3: 8, pm10_cf1_ug_m3: 10, pm1_ug_m3: 5, pm25_ug_m3: 8, pm10_ug_m3: 10,
      particles_0_3um_per_dl: 1000, particles_0_5um_per_dl: 300, particles_1_0um_per_dl: 60, particles_2_5um_per_dl: 10, particles_5_0um_per_dl: 2, particles_10um_per_dl: 1,
    });
    expect(units).toMatchObject({ pm25_ug_m3: 'ug/m3', particles_0_3um_per_dl: '1/0.1L' });
  });

  it('decodes the PMS5003T temperature (signed) and humidity', () => {
    const t = hex('42 4D 00 1C 00 05 00 08 00 0A 00 05 00 08 00 0A 03 E8 01 2C 00 3C 00 00 FF F1 02 8C 00 00 04 AB');
    const [f] = new PmsParser().push(t);
    if (f?.type !== 'data') throw new Error('expected a data frame');
    const { values, units } = decodePmsData(f.words, 'pms5003t');
    expect(values.temperature_c).toBe(-1.5);
    expect(values.humidity_pct).toBe(65.2);
    expect(units).toMatchObject({ temperature_c: 'degC', humidity_pct: '%RH' });
    expect(values).not.toHaveProperty('particles_5_0um_per_dl');
  });

  it('decodes the answer to a mode command', () => {
    expect(new PmsParser().push(hex('42 4D 00 04 E1 00 01 74'))).toEqual([{ type: 'reply', command: 0xe1, data: 0 }]);
  });

  it('finds a frame split across chunks and after leading garbage', () => {
    const parser = new PmsParser();
    const stream = Buffer.concat([hex('00 42 FF 4D 42'), frame]);
    const out = [];
    for (let i = 0; i < stream.length; i += 3) out.push(...parser.push(stream.subarray(i, i + 3)));
    expect(out).toHaveLength(1);
    expect(parser.stats.discardedBytes).toBe(5);
  });

  it('rejects a frame with a wrong checksum', () => {
    const bad = Buffer.from(frame);
    bad[31] = bad[31]! ^ 0x01;
    const parser = new PmsParser();
    expect(parser.push(bad)).toEqual([]);
    expect(parser.stats.checksumErrors).toBe(1);
  });
});

describe('SDS011 (laser dust sensor control protocol V1.3)', () => {
  it('decodes the datasheet data frame', () => {
    expect(new SdsParser().push(hex('AA C0 D4 04 3A 0A A1 60 1D AB'))).toEqual([{ type: 'data', pm25_ug_m3: 123.6, pm10_ug_m3: 261.8, deviceId: 0xa160 }]);
  });

  it('decodes the datasheet reply to a sleep command', () => {
    expect(new SdsParser().push(hex('AA C5 06 01 00 00 A1 60 08 AB'))).toEqual([{ type: 'reply', command: 6, data: [1, 0, 0], deviceId: 0xa160 }]);
  });

  it('builds the datasheet commands', () => {
    expect(sdsCommands.sleep).toEqual(hex('AA B4 06 01 00 00 00 00 00 00 00 00 00 00 00 FF FF 05 AB'));
    expect(sdsCommands.work).toEqual(hex('AA B4 06 01 01 00 00 00 00 00 00 00 00 00 00 FF FF 06 AB'));
    expect(sdsCommands.query).toEqual(hex('AA B4 04 00 00 00 00 00 00 00 00 00 00 00 00 FF FF 02 AB'));
    expect(sdsCommands.queryMode).toEqual(hex('AA B4 02 01 01 00 00 00 00 00 00 00 00 00 00 FF FF 02 AB'));
  });

  it('rejects a bad checksum and a missing tail', () => {
    const parser = new SdsParser();
    expect(parser.push(hex('AA C0 D4 04 3A 0A A1 60 1E AB'))).toEqual([]);
    expect(parser.push(hex('AA C0 D4 04 3A 0A A1 60 1D AA'))).toEqual([]);
    expect(parser.stats.checksumErrors).toBe(1);
  });
});

describe('SDI-12 v1.4 (examples from the specification)', () => {
  it('parses the measurement answer atttn', () => {
    expect(parseMeasureReply('00052', '0')).toEqual({ waitS: 5, count: 2 });
    expect(parseMeasureReply('10052', '0')).toBeNull();
    expect(parseMeasureReply('0005', '0')).toBeNull();
  });

  it('parses data replies with signs and decimals', () => {
    expect(parseDataReply('0+3.14+2.718', '0')).toEqual([3.14, 2.718]);
    expect(parseDataReply('0+1.23-0.5+12', '0')).toEqual([1.23, -0.5, 12]);
    expect(parseDataReply('0', '0')).toEqual([]);
  });

  it('rejects replies from another address, stray characters, 8-digit values and overlong lines', () => {
    expect(parseDataReply('1+3.14', '0')).toBeNull();
    expect(parseDataReply('0+3.14x', '0')).toBeNull();
    expect(parseDataReply('03.14', '0')).toBeNull();
    expect(parseDataReply('0+12345678', '0')).toBeNull();
    expect(parseDataReply(`0${'+1.000000'.repeat(4)}`, '0')).toBeNull();
  });

  it('checks the CRC of aMC! data replies', () => {
    // The specification's worked example: "0+3.14" has the CRC "OqZ".
    expect(sdi12Crc('0+3.14')).toBe('OqZ');
    expect(parseDataReply('0+3.14OqZ', '0', true)).toEqual([3.14]);
    expect(parseDataReply('0+3.15OqZ', '0', true)).toBeNull();
  });

  it('recognises the service request', () => {
    expect(isServiceRequest('0', '0')).toBe(true);
    expect(isServiceRequest('00', '0')).toBe(false);
  });
});

describe('data-described text lines', () => {
  it('decodes separated fields with scale and units', () => {
    const format = { type: 'fields' as const, separator: ';', count: 3, fields: [{ name: 'level', index: 1, unit: 'cm', scale: 1 }, { name: 'battery', index: 2, unit: 'V', scale: 0.001 }] };
    expect(decodeLine('G1;123.5;3700', format, 'none')).toEqual({ ok: true, values: { level: 123.5, battery: 3.7 }, units: { level: 'cm', battery: 'V' } });
    expect(decodeLine('G1;123.5', format, 'none').ok).toBe(false);
    expect(decodeLine('G1;12x;3700', format, 'none').ok).toBe(false);
  });

  it('decodes a pattern with named groups', () => {
    const format = { type: 'pattern' as const, pattern: '^L=(?<level>[-\\d.]+)m T=(?<temperature>[-\\d.]+)C$', units: { level: 'm', temperature: 'degC' } };
    expect(decodeLine('L=2.41m T=29.0C', format, 'none')).toEqual({ ok: true, values: { level: 2.41, temperature: 29 }, units: { level: 'm', temperature: 'degC' } });
    expect(decodeLine('L=2.41m', format, 'none').ok).toBe(false);
  });

  it('checks NMEA-style checksums', () => {
    // GPGGA sentence from the NMEA 0183 examples, checksum 47.
    expect(nmeaChecksum('GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,')).toBe(0x47);
    const format = { type: 'fields' as const, separator: ',', count: 3, fields: [{ name: 'level', index: 1, unit: 'm', scale: 1 }] };
    expect(decodeLine('$LVL,1.234,29.5*6C', format, 'nmea').ok).toBe(true);
    expect(decodeLine('$LVL,1.235,29.5*6C', format, 'nmea').ok).toBe(false);
    expect(decodeLine('$LVL,1.234,29.5', format, 'nmea').ok).toBe(false);
  });

  it('splits lines, drops an overlong one and the first line after a reset', () => {
    const splitter = new LineSplitter({ delimiter: '\r\n', maxLength: 10, dropFirstLine: true });
    expect(splitter.push(Buffer.from('partial\r\nA,1\r\nB,2'))).toEqual(['A,1']);
    expect(splitter.push(Buffer.from('\r\n0123456789ABCDEF\r\nC,3\r\n'))).toEqual(['B,2', 'C,3']);
    splitter.reset();
    expect(splitter.push(Buffer.from('3\r\nD,4\r\n'))).toEqual(['D,4']);
  });
});
