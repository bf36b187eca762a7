import type { LineFormat } from './config-schema.ts';

/**
 * A text-line device described by data: fields split by a separator, or a regular expression
 * with named groups. Optionally an NMEA-style `*HH` XOR checksum at the end of the line.
 */
export type LineDecode = { ok: true; values: Record<string, number>; units: Record<string, string> } | { ok: false; reason: string };

/** NMEA 0183 checksum: XOR of the characters between `$` (if any) and `*`. */
export function nmeaChecksum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum ^= text.charCodeAt(i) & 0xff;
  return sum;
}

function stripChecksum(line: string): { body: string } | { error: string } {
  const star = line.lastIndexOf('*');
  if (star < 0 || star + 3 !== line.length) return { error: 'checksum missing' };
  const expected = Number.parseInt(line.slice(star + 1), 16);
  const body = line.slice(0, star);
  const covered = body.startsWith('$') ? body.slice(1) : body;
  if (!/^[0-9A-Fa-f]{2}$/.test(line.slice(star + 1)) || expected !== nmeaChecksum(covered)) return { error: 'checksum mismatch' };
  return { body };
}

const numberPattern = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function toNumber(text: string): number | null {
  return numberPattern.test(text) ? Number(text) : null;
}

/** Decodes one line per the device's format. Never throws. */
export function decodeLine(line: string, format: LineFormat, checksum: 'none' | 'nmea'): LineDecode {
  let body = line.trim();
  if (checksum === 'nmea') {
    const stripped = stripChecksum(body);
    if ('error' in stripped) return { ok: false, reason: stripped.error };
    body = stripped.body;
  }
  const values: Record<string, number> = {};
  const units: Record<string, string> = {};
  if (format.type === 'fields') {
    const parts = body.split(format.separator);
    if (parts.length !== format.count) return { ok: false, reason: `expected ${format.count} fields, got ${parts.length}` };
    for (const field of format.fields) {
      const value = toNumber(parts[field.index] ?? '');
      if (value === null) return { ok: false, reason: `field ${field.index} (${field.name}) is not a number` };
      values[field.name] = value * field.scale;
      units[field.name] = field.unit;
    }
  } else {
    const m = new RegExp(format.pattern).exec(body);
    if (!m?.groups) return { ok: false, reason: 'pattern does not match' };
    for (const [name, unit] of Object.entries(format.units)) {
      const text = m.groups[name];
      const value = text === undefined ? null : toNumber(text);
      if (value === null) return { ok: false, reason: `group ${name} is not a number` };
      values[name] = value;
      units[name] = unit;
    }
  }
  return { ok: true, values, units };
}
