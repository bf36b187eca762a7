import { describe, expect, it } from 'vitest';
import { encodePmsFrame, PmsParser } from '../../drivers/serial/pms5003.ts';
import { encodeSdsData, SdsParser } from '../../drivers/serial/sds011.ts';
import { parseDataReply, parseMeasureReply, sdi12Crc, formatSdi12Values } from '../../drivers/serial/sdi12.ts';
import { decodeLine, nmeaChecksum } from '../../drivers/serial/line-protocol.ts';
import { LineSplitter } from '../../drivers/serial/line-splitter.ts';
import { pmsWords } from '../../drivers/sim/serial/pms5003-sim.ts';
import { corruptOneByte, feedInChunks, mixedStream, randomBytes, randomInt, rng } from '../helpers/serial-fuzz.ts';

// Fixed seeds: every run checks the same cases, and a failure names the seed that replays it.
const seeds = Array.from({ length: 25 }, (_, i) => 1000 + i * 7919);

describe('PMS5003 parser under fuzzing', () => {
  it('finds nothing in random bytes and never throws', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const parser = new PmsParser();
      const frames = feedInChunks(next, randomBytes(next, 20_000), (c) => parser.push(c));
      expect(frames, `seed ${seed}`).toEqual([]);
    }
  });

  it('outputs exactly the intact frames of a stream with garbage, truncated and corrupted frames', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const parser = new PmsParser();
      const { stream, intact } = mixedStream(next, 300, () => encodePmsFrame(pmsWords(randomInt(next, 0, 500))));
      const frames = feedInChunks(next, stream, (c) => parser.push(c)).filter((f) => f.type === 'data');
      expect(frames.map((f) => (f.type === 'data' ? encodePmsFrame(f.words).toString('hex') : '')), `seed ${seed}`).toEqual(intact.map((f) => f.toString('hex')));
    }
  });
});

describe('SDS011 parser under fuzzing', () => {
  it('finds nothing in random bytes and never throws', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const parser = new SdsParser();
      expect(feedInChunks(next, randomBytes(next, 20_000), (c) => parser.push(c)), `seed ${seed}`).toEqual([]);
    }
  });

  it('outputs exactly the intact frames of a stream with garbage, truncated and corrupted frames', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const parser = new SdsParser();
      const { stream, intact } = mixedStream(next, 300, () => encodeSdsData(randomInt(next, 0, 9999) / 10, randomInt(next, 0, 9999) / 10));
      const frames = feedInChunks(next, stream, (c) => parser.push(c));
      const expected = intact.map((f) => ({ type: 'data', pm25_ug_m3: f.readUInt16LE(2) / 10, pm10_ug_m3: f.readUInt16LE(4) / 10, deviceId: 0xa160 }));
      expect(frames, `seed ${seed}`).toEqual(expected);
    }
  });
});

describe('SDI-12 text layer under fuzzing', () => {
  it('never throws on random lines and accepts only well-formed ones', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      for (let i = 0; i < 400; i++) {
        const line = randomBytes(next, randomInt(next, 0, 40)).toString('latin1');
        const values = parseDataReply(line, '0');
        if (values !== null) expect(line, `seed ${seed}`).toMatch(/^0([+-](\d+\.?\d*|\.\d+))*$/);
        const measure = parseMeasureReply(line, '0');
        if (measure !== null) expect(line).toMatch(/^0\d{4}$/);
      }
    }
  });

  it('with CRC, rejects every truncated or corrupted data reply', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      for (let i = 0; i < 200; i++) {
        const values = Array.from({ length: randomInt(next, 1, 3) }, () => randomInt(next, -99999, 99999) / 100);
        const body = `0${formatSdi12Values(values)}`;
        const line = `${body}${sdi12Crc(body)}`;
        expect(parseDataReply(line, '0', true)).toEqual(values);
        expect(parseDataReply(line.slice(0, randomInt(next, 0, line.length - 1)), '0', true), `seed ${seed}`).toBeNull();
        expect(parseDataReply(corruptOneByte(next, Buffer.from(line, 'latin1')).toString('latin1'), '0', true), `seed ${seed}: ${line}`).toBeNull();
      }
    }
  });
});

describe('text-line protocol under fuzzing', () => {
  const format = { type: 'fields' as const, separator: ',', count: 3, fields: [{ name: 'level', index: 1, unit: 'm', scale: 1 }, { name: 'temperature', index: 2, unit: 'degC', scale: 1 }] };
  const makeLine = (next: () => number): Buffer => {
    const body = `LVL,${(randomInt(next, 0, 99999) / 1000).toFixed(3)},${(randomInt(next, 0, 400) / 10).toFixed(1)}`;
    return Buffer.from(`$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}\r\n`, 'latin1');
  };

  it('decodes only intact lines, in order, losing at most one intact line per bad segment', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const splitter = new LineSplitter({ delimiter: '\r\n', maxLength: 64, dropFirstLine: false });
      const { stream, intact } = mixedStream(next, 300, () => makeLine(next));
      const decoded = feedInChunks(next, stream, (c) => splitter.push(c))
        .map((line) => decodeLine(line, format, 'nmea'))
        .filter((r) => r.ok);
      const expected = intact.map((l) => JSON.stringify(decodeLine(l.toString('latin1').trim(), format, 'nmea')));
      // A line cut before its delimiter runs into the next one and both are dropped (a loss, never a
      // false value): what comes out must be a subsequence of the intact lines.
      let at = 0;
      for (const result of decoded) {
        const found = expected.indexOf(JSON.stringify(result), at);
        expect(found, `seed ${seed}: ${JSON.stringify(result)} is not an intact line`).toBeGreaterThanOrEqual(0);
        at = found + 1;
      }
      const badSegments = 300 - intact.length;
      expect(decoded.length, `seed ${seed}`).toBeGreaterThanOrEqual(expected.length - badSegments);
    }
  });
});
