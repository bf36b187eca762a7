import { nmeaChecksum } from './line-protocol.ts';

/**
 * NMEA 0183 sentences a GNSS receiver sends once a second, as far as time and fix quality need:
 * RMC (time, date, valid flag, mode) from any talker (GP, GN, GL, GA, BD, GB, GQ), and GGA (fix
 * quality, satellites in use, HDOP). Pure and never throwing: a sentence is decoded or refused
 * with a reason, and a refused one is simply not used.
 */

/** A decoded RMC: UTC of the fix and whether the receiver vouches for it. */
export interface RmcFix {
  type: 'rmc';
  talker: string;
  /** UTC of the position fix (ms since the epoch). */
  utcMs: number;
  /** Status A (valid) and, where sent (NMEA 2.3+), a mode that is a real fix (A, D, P, R, F). The date itself is judged by the user. */
  valid: boolean;
  /** Mode indicator: A autonomous, D differential, E estimated (dead reckoning), N not valid, ... ('' if not sent). */
  mode: string;
  latDeg: number | null;
  lonDeg: number | null;
}

/** A decoded GGA: how good the position fix is. */
export interface GgaFix {
  type: 'gga';
  talker: string;
  /** 0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 estimated ... */
  quality: number;
  satellites: number | null;
  hdop: number | null;
}

export type NmeaDecode = { ok: true; sentence: RmcFix | GgaFix } | { ok: false; reason: string };

/** Valid modes of the NMEA 2.3 mode indicator (E estimated and N not valid are not a fix). */
const fixModes = new Set(['A', 'D', 'P', 'R', 'F']);

/**
 * Decodes one line (without its CR LF). A sentence starts at the last `$` of the line (`$` is
 * reserved in NMEA): a sentence cut off by a reset and glued to the next one still yields the next.
 */
export function decodeNmea(line: string): NmeaDecode {
  const start = line.lastIndexOf('$');
  if (start < 0) return { ok: false, reason: 'not an NMEA sentence' };
  // Only the CR of the CR LF ending is taken off: any other byte after the checksum is damage.
  const text = line.endsWith('\r') ? line.slice(start, -1) : line.slice(start);
  if (text.length > 100) return { ok: false, reason: 'longer than 82 characters' };
  const star = text.lastIndexOf('*');
  if (star < 0 || star + 3 !== text.length) return { ok: false, reason: 'checksum missing' };
  const hex = text.slice(star + 1);
  if (!/^[0-9A-Fa-f]{2}$/.test(hex) || Number.parseInt(hex, 16) !== nmeaChecksum(text.slice(1, star))) return { ok: false, reason: 'checksum mismatch' };
  const fields = text.slice(1, star).split(',');
  const address = fields[0]!;
  if (!/^[A-Z]{5}$/.test(address)) return { ok: false, reason: 'bad address field' };
  const talker = address.slice(0, 2);
  const kind = address.slice(2);
  if (kind === 'RMC') return decodeRmc(talker, fields);
  if (kind === 'GGA') return decodeGga(talker, fields);
  return { ok: false, reason: `${address} not used` };
}

function decodeRmc(talker: string, f: string[]): NmeaDecode {
  if (f.length < 10) return { ok: false, reason: 'RMC truncated' };
  const time = /^(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(f[1]!);
  const date = /^(\d{2})(\d{2})(\d{2})$/.exec(f[9]!);
  if (!time) return { ok: false, reason: 'RMC without a time' };
  if (!date) return { ok: false, reason: 'RMC without a date' };
  const [hh, mm, ss] = [Number(time[1]), Number(time[2]), Number(time[3])];
  const ms = time[4] === undefined ? 0 : Math.round(Number(`0.${time[4]}`) * 1000);
  const [day, month, yy] = [Number(date[1]), Number(date[2]), Number(date[3])];
  if (hh > 23 || mm > 59 || ss > 60 || day < 1 || day > 31 || month < 1 || month > 12) return { ok: false, reason: 'RMC time or date out of range' };
  // Two-digit years: 80-99 are 1980-1999 (GPS began in 1980), 00-79 are 2000-2079.
  const utcMs = Date.UTC(yy >= 80 ? 1900 + yy : 2000 + yy, month - 1, day, hh, mm, ss, ms);
  if (new Date(utcMs).getUTCDate() !== day && ss !== 60) return { ok: false, reason: 'RMC date does not exist' };
  const status = f[2];
  if (status !== 'A' && status !== 'V') return { ok: false, reason: 'RMC status is neither A nor V' };
  const mode = f[12]?.charAt(0) ?? '';
  const valid = status === 'A' && (mode === '' || fixModes.has(mode));
  return { ok: true, sentence: { type: 'rmc', talker, utcMs, valid, mode, latDeg: coordinate(f[3]!, f[4]!, 2), lonDeg: coordinate(f[5]!, f[6]!, 3) } };
}

function decodeGga(talker: string, f: string[]): NmeaDecode {
  if (f.length < 9) return { ok: false, reason: 'GGA truncated' };
  if (!/^\d$/.test(f[6]!)) return { ok: false, reason: 'GGA without a fix quality' };
  const satellites = /^\d{1,2}$/.test(f[7]!) ? Number(f[7]) : null;
  const hdop = /^\d+(?:\.\d+)?$/.test(f[8]!) ? Number(f[8]) : null;
  return { ok: true, sentence: { type: 'gga', talker, quality: Number(f[6]), satellites, hdop } };
}

/** `ddmm.mmmm` / `dddmm.mmmm` and a hemisphere into signed degrees; null when empty or malformed. */
function coordinate(value: string, hemisphere: string, degreeDigits: 2 | 3): number | null {
  if (!new RegExp(`^\\d{${degreeDigits}}\\d{2}(?:\\.\\d+)?$`).test(value)) return null;
  const degrees = Number(value.slice(0, degreeDigits)) + Number(value.slice(degreeDigits)) / 60;
  if (hemisphere === 'N' || hemisphere === 'E') return degrees;
  if (hemisphere === 'S' || hemisphere === 'W') return -degrees;
  return null;
}
