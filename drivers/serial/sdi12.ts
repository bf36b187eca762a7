/**
 * SDI-12 v1.4 through a serial adapter (the adapter turns `0M!` written at its own baud into the
 * 1200 baud 7E1 bus exchange and passes the sensor's lines back). Only the text layer lives here;
 * the transaction (`aM!`, wait, `aD0!` ...) is in devices/sdi12-device.ts.
 */
export type Sdi12Address = string;

/** A D reply to an M command holds at most 35 characters of values (spec 4.4.5.1). */
export const maxValueCharsForM = 35;

/** `0M!`, `0M1!`, `0D0!` ... */
export function sdi12Command(address: Sdi12Address, command: string): string {
  return `${address}${command}!`;
}

export interface MeasureReply {
  /** Seconds until the values are ready (the sensor may signal earlier with a service request). */
  waitS: number;
  count: number;
}

/** Parses `atttn` (the answer to `aM!` and `aMC!`); null for anything else. */
export function parseMeasureReply(line: string, address: Sdi12Address): MeasureReply | null {
  const m = /^([0-9A-Za-z])(\d{3})(\d)$/.exec(line);
  if (!m || m[1] !== address) return null;
  return { waitS: Number(m[2]), count: Number(m[3]) };
}

/** Whether a line is the sensor's service request (`a` alone: measurement ready early). */
export function isServiceRequest(line: string, address: Sdi12Address): boolean {
  return line === address;
}

/**
 * The CRC of replies to `aMC!` (spec 4.4.12): CRC-16 (poly 0xA001 reflected, initial 0) over the
 * reply from the address to the last value, sent as three printable characters.
 */
export function sdi12Crc(text: string): string {
  let crc = 0;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i) & 0xff;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return String.fromCharCode(0x40 | (crc >> 12), 0x40 | ((crc >> 6) & 0x3f), 0x40 | (crc & 0x3f));
}

/** One value: sign, up to 7 digits, optional decimal point (spec 4.4.5: `+1.23`, `-0.5`, `+12`). */
const valuePattern = /[+-](?:\d+\.\d*|\.\d+|\d+)/y;

/**
 * Parses `a+v1-v2...` (the answer to `aDn!`) into numbers; null when the line is not a valid
 * reply from that address (wrong address, stray characters, a value with more than 7 digits, a
 * CRC that does not match when `crc` is set).
 */
export function parseDataReply(line: string, address: Sdi12Address, crc = false): number[] | null {
  if (line.length < 1 || line[0] !== address) return null;
  let text = line;
  if (crc) {
    if (line.length < 4 || sdi12Crc(line.slice(0, -3)) !== line.slice(-3)) return null;
    text = line.slice(0, -3);
  }
  const body = text.slice(1);
  if (body.length > maxValueCharsForM) return null;
  const values: number[] = [];
  valuePattern.lastIndex = 0;
  while (valuePattern.lastIndex < body.length) {
    const at = valuePattern.lastIndex;
    const m = valuePattern.exec(body);
    if (!m || m.index !== at) return null;
    const digits = m[0].replace(/[^0-9]/g, '').length;
    if (digits > 7) return null;
    const value = Number(m[0]);
    if (!Number.isFinite(value)) return null;
    values.push(value);
  }
  return values;
}

/** Formats values as a sensor would (`+12.3-0.45`), for the simulator. */
export function formatSdi12Values(values: number[], decimals = 2): string {
  return values.map((v) => `${v < 0 ? '-' : '+'}${Math.abs(v).toFixed(decimals)}`).join('');
}
