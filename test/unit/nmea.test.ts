import { describe, expect, it } from 'vitest';
import { decodeNmea, type RmcFix } from '../../drivers/serial/nmea.ts';
import { nmeaChecksum } from '../../drivers/serial/line-protocol.ts';
import { LineSplitter } from '../../drivers/serial/line-splitter.ts';
import { corruptOneByte, feedInChunks, mixedStream, randomBytes, randomInt, rng } from '../helpers/serial-fuzz.ts';

/**
 * Sentences as real receivers sent them (quoted in receiver manuals and driver sources; each
 * checksum verified): u-blox NEO-6/M8/F9, NovAtel OEM, a Quectel-class GN talker, and the classic
 * NMEA reference sentence.
 */
const golden: Array<{ line: string; utc: string; valid: boolean; mode: string; lat?: number; lon?: number }> = [
  { line: '$GNRMC,020125.00,A,1845.82207,N,09859.94984,E,0.027,,101219,,,F,V*1A', utc: '2019-12-10T02:01:25.000Z', valid: true, mode: 'F', lat: 18.763701, lon: 98.999164 },
  { line: '$GNRMC,000048.00,A,5006.63590048,N,01433.38754186,E,15.440,169.3,280824,4.3,E,A,C*73', utc: '2024-08-28T00:00:48.000Z', valid: true, mode: 'A' },
  { line: '$GNRMC,021225.00,A,3016.60101,N,12007.84214,E,0.011,,260420,,,A*67', utc: '2020-04-26T02:12:25.000Z', valid: true, mode: 'A' },
  { line: '$GNRMC,143909.00,A,5107.0020216,N,11402.3294835,W,0.036,348.3,210307,0.0,E,A*31', utc: '2007-03-21T14:39:09.000Z', valid: true, mode: 'A', lat: 51.116700, lon: -114.038825 },
  { line: '$GPRMC,083559.00,A,4717.11437,N,00833.91522,E,0.004,77.52,091202,,,A*57', utc: '2002-12-09T08:35:59.000Z', valid: true, mode: 'A' },
  { line: '$GPRMC,010101.130,A,3606.6834,N,12021.7778,E,0.0,238.3,010807,,,A*6C', utc: '2007-08-01T01:01:01.130Z', valid: true, mode: 'A' },
  { line: '$GPRMC,190430,A,4812.3038,S,07330.7690,W,3.7,3.8,090210,13.7,E,D*26', utc: '2010-02-09T19:04:30.000Z', valid: true, mode: 'D', lat: -48.205063, lon: -73.512817 },
  { line: '$GNRMC,041515.00,A,0412.3456,N,07405.6789,W,0.06,,090926,,,A*4F', utc: '2026-09-09T04:15:15.000Z', valid: true, mode: 'A' },
  { line: '$GNRMC,080608.000,A,3029.461489,N,11430.072002,E,0.00,148.41,210423,,,D,V*09', utc: '2023-04-21T08:06:08.000Z', valid: true, mode: 'D' },
  { line: '$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A', utc: '1994-03-23T12:35:19.000Z', valid: true, mode: '' },
];

function rmc(line: string): RmcFix {
  const decoded = decodeNmea(line);
  if (!decoded.ok || decoded.sentence.type !== 'rmc') throw new Error(`not an RMC: ${JSON.stringify(decoded)}`);
  return decoded.sentence;
}

function sentence(body: string): string {
  return `$${body}*${nmeaChecksum(body).toString(16).toUpperCase().padStart(2, '0')}`;
}

describe('NMEA RMC/GGA decoding', () => {
  it('decodes golden sentences from real receivers: UTC, validity, mode, position', () => {
    for (const g of golden) {
      const fix = rmc(g.line);
      expect(new Date(fix.utcMs).toISOString(), g.line).toBe(g.utc);
      expect(fix.valid, g.line).toBe(g.valid);
      expect(fix.mode, g.line).toBe(g.mode);
      if (g.lat !== undefined) expect(fix.latDeg!, g.line).toBeCloseTo(g.lat, 5);
      if (g.lon !== undefined) expect(fix.lonDeg!, g.line).toBeCloseTo(g.lon, 5);
    }
  });

  it('decodes GGA fix quality, satellites and HDOP', () => {
    expect(decodeNmea('$GNGGA,000048.00,5006.63590048,N,01433.38754186,E,1,16,1.1,221.4358,M,44.6136,M,,*71')).toEqual({ ok: true, sentence: { type: 'gga', talker: 'GN', quality: 1, satellites: 16, hdop: 1.1 } });
  });

  it('marks no-fix and dead-reckoning sentences not valid', () => {
    expect(rmc(sentence('GNRMC,055056.00,V,,,,,,,070626,,,N,V')).valid).toBe(false);
    expect(rmc(sentence('GPRMC,055056.00,A,3348.10000,S,15101.10000,E,0.000,,070626,,,E')).valid).toBe(false);
    expect(rmc(sentence('GPRMC,055056.00,A,3348.10000,S,15101.10000,E,0.000,,070626,,,N')).valid).toBe(false);
  });

  it('refuses corrupted and truncated sentences with a reason (misprinted checksums from manuals included)', () => {
    const refused = [
      ['$GNRMC,193903.00,A,0305.37038,N,10132.77633,E,0.008,,180519,,,D*67', 'checksum mismatch'],
      ['$GNRMC,072446.00,A,3130.5226316,N,12024.0937010,E,0.01,0.00,040620,0.0,E,D*3D', 'checksum mismatch'],
      ['$GNRMC,020125.00,A,1845.82207,N,09859.94984,E,0.027,,101219,,,F,V', 'checksum missing'],
      ['$GNRMC,020125.00,A,1845.82207,N,09859.9', 'checksum missing'],
      [sentence('GNRMC,020125.00,A,1845.82207,N'), 'RMC truncated'],
      [sentence('GNRMC,,V,,,,,,,,,,N'), 'RMC without a time'],
      [sentence('GNRMC,020125.00,A,,,,,,,,,,N'), 'RMC without a date'],
      [sentence('GNRMC,020125.00,A,,,,,,,310219,,,A'), 'RMC date does not exist'],
      [sentence('GNRMC,250125.00,A,,,,,,,101219,,,A'), 'RMC time or date out of range'],
      [sentence('GNRMC,020125.00,X,,,,,,,101219,,,A'), 'RMC status is neither A nor V'],
      [sentence('GPGSV,1,1,01,25,66,106,53'), 'GPGSV not used'],
      ['garbage', 'not an NMEA sentence'],
    ];
    for (const [line, reason] of refused) expect(decodeNmea(line!), line).toEqual({ ok: false, reason });
  });
});

// Fixed seeds: every run checks the same cases, and a failure names the seed that replays it.
const seeds = Array.from({ length: 25 }, (_, i) => 1000 + i * 7919);

describe('NMEA decoding under fuzzing', () => {
  it('never throws on random lines, and nothing random passes the checksum as a fix', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const splitter = new LineSplitter({ delimiter: '\n', maxLength: 1024, dropFirstLine: false });
      const lines = feedInChunks(next, randomBytes(next, 20_000), (c) => splitter.push(c));
      for (const line of lines) {
        const decoded = decodeNmea(line);
        if (decoded.ok) expect(Number.isFinite(decoded.sentence.type === 'rmc' ? decoded.sentence.utcMs : decoded.sentence.quality), `seed ${seed}`).toBe(true);
      }
    }
  });

  it('outputs exactly the intact sentences of a stream with garbage, truncated and corrupted ones', () => {
    for (const seed of seeds) {
      const next = rng(seed);
      const make = (): Buffer => {
        const t = `${String(randomInt(next, 0, 23)).padStart(2, '0')}${String(randomInt(next, 0, 59)).padStart(2, '0')}${String(randomInt(next, 0, 59)).padStart(2, '0')}.${randomInt(next, 0, 99)}`;
        return Buffer.from(`${sentence(`GNRMC,${t},A,1845.82207,N,09859.94984,E,0.027,,${String(randomInt(next, 1, 28)).padStart(2, '0')}1126,,,A,V`)}\r\n`, 'latin1');
      };
      // Garbage without newlines or '$', so it only ever damages the sentence it lands in.
      const garbage = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => 0x41 + randomInt(next, 0, 25)));
      const { stream, intact } = mixedStream(next, 300, make, garbage);
      const splitter = new LineSplitter({ delimiter: '\n', maxLength: 1024, dropFirstLine: false });
      const fixes = feedInChunks(next, stream, (c) => splitter.push(c)).flatMap((line) => {
        const d = decodeNmea(line);
        return d.ok && d.sentence.type === 'rmc' ? [d.sentence.utcMs] : [];
      });
      const expected = intact.map((f) => rmc(f.toString('latin1').replace(/\r\n$/, '')).utcMs);
      expect(fixes, `seed ${seed}`).toEqual(expected);
    }
  });

  it('a single changed byte is never taken for a different fix', () => {
    const next = rng(4242);
    for (let i = 0; i < 2_000; i++) {
      const g = golden[randomInt(next, 0, golden.length - 1)]!;
      const bad = corruptOneByte(next, Buffer.from(g.line, 'latin1')).toString('latin1');
      const d = decodeNmea(bad);
      if (d.ok && d.sentence.type === 'rmc') expect(d.sentence.utcMs).toBe(rmc(g.line).utcMs);
    }
  });
});
