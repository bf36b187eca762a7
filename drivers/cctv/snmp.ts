import { createSocket } from 'node:dgram';
import { randomInt } from 'node:crypto';

/**
 * A minimal SNMPv2c GET over UDP: BER encoding of one GetRequest and decoding of its Response.
 * Enough to read a few scalar OIDs from a PoE switch; no walk, no SNMPv3.
 */

export type SnmpValue = number | bigint | string | null;

export interface SnmpVarbind {
  oid: string;
  /** null for noSuchObject / noSuchInstance / endOfMibView. */
  value: SnmpValue;
  /** The BER type tag of the value (0x02 integer, 0x42 gauge, 0x80 noSuchObject ...). */
  type: number;
}

function encodeLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

function encodeInteger(value: number): Buffer {
  const bytes: number[] = [];
  let n = value;
  do {
    bytes.unshift(n & 0xff);
    n >>= 8;
  } while (n !== 0 && n !== -1);
  // Keep the sign bit right: a positive number whose top bit is set needs a leading 0x00.
  if (value >= 0 && (bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  if (value < 0 && (bytes[0]! & 0x80) === 0) bytes.unshift(0xff);
  return tlv(0x02, Buffer.from(bytes));
}

function encodeOid(oid: string): Buffer {
  const parts = oid.replace(/^\./, '').split('.').map(Number);
  if (parts.length < 2 || parts.some((p) => !Number.isInteger(p) || p < 0)) throw new Error(`bad OID ${oid}`);
  const bytes: number[] = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** Encodes an SNMPv2c GetRequest for the OIDs. */
export function encodeGetRequest(community: string, requestId: number, oids: string[]): Buffer {
  const varbinds = tlv(0x30, Buffer.concat(oids.map((oid) => tlv(0x30, Buffer.concat([encodeOid(oid), Buffer.from([0x05, 0x00])])))));
  const pdu = tlv(0xa0, Buffer.concat([encodeInteger(requestId), encodeInteger(0), encodeInteger(0), varbinds]));
  return tlv(0x30, Buffer.concat([encodeInteger(1), tlv(0x04, Buffer.from(community, 'utf8')), pdu]));
}

interface Element {
  tag: number;
  content: Buffer;
  end: number;
}

function readElement(buffer: Buffer, at: number): Element {
  const tag = buffer[at];
  const lengthByte = buffer[at + 1];
  if (tag === undefined || lengthByte === undefined) throw new Error('SNMP reply truncated');
  let offset = at + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    length = 0;
    for (let i = 0; i < (lengthByte & 0x7f); i++) length = length * 256 + (buffer[offset++] ?? 0);
  }
  if (offset + length > buffer.length) throw new Error('SNMP reply truncated');
  return { tag, content: buffer.subarray(offset, offset + length), end: offset + length };
}

function children(content: Buffer): Element[] {
  const out: Element[] = [];
  for (let at = 0; at < content.length; ) {
    const element = readElement(content, at);
    out.push(element);
    at = element.end;
  }
  return out;
}

function decodeUnsigned(content: Buffer): bigint {
  let value = 0n;
  for (const byte of content) value = (value << 8n) | BigInt(byte);
  return value;
}

function decodeInteger(content: Buffer): number {
  if (content.length > 0 && (content[0]! & 0x80) !== 0) return Number(decodeUnsigned(content) - (1n << BigInt(content.length * 8)));
  return Number(decodeUnsigned(content));
}

function decodeOid(content: Buffer): string {
  const parts = [Math.floor(content[0]! / 40), content[0]! % 40];
  let n = 0;
  for (const byte of content.subarray(1)) {
    n = n * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

function decodeValue(element: Element): SnmpValue {
  switch (element.tag) {
    case 0x02:
      return decodeInteger(element.content);
    case 0x41: // Counter32
    case 0x42: // Gauge32
    case 0x43: // TimeTicks
      return Number(decodeUnsigned(element.content));
    case 0x46: // Counter64
      return decodeUnsigned(element.content);
    case 0x04:
      return element.content.toString('utf8');
    case 0x06:
      return decodeOid(element.content);
    case 0x40: // IpAddress
      return [...element.content].join('.');
    default:
      return null;
  }
}

/** Decodes a Response PDU; throws with the agent's error status when it reports one. */
export function decodeResponse(buffer: Buffer): { requestId: number; varbinds: SnmpVarbind[] } {
  const [version, , pdu] = children(readElement(buffer, 0).content);
  if (!version || !pdu || pdu.tag !== 0xa2) throw new Error('not an SNMP response');
  const [requestId, errorStatus, errorIndex, varbindList] = children(pdu.content);
  if (!requestId || !errorStatus || !errorIndex || !varbindList) throw new Error('SNMP response truncated');
  const status = decodeInteger(errorStatus.content);
  if (status !== 0) throw new Error(`SNMP agent error ${status} at varbind ${decodeInteger(errorIndex.content)}`);
  const varbinds = children(varbindList.content).map((varbind) => {
    const [oid, value] = children(varbind.content);
    if (!oid || !value) throw new Error('SNMP varbind truncated');
    return { oid: decodeOid(oid.content), value: decodeValue(value), type: value.tag };
  });
  return { requestId: decodeInteger(requestId.content), varbinds };
}

/** One SNMPv2c GET; resolves with the varbinds in request order, rejects on timeout (the signal) or error. */
export function snmpGet(host: string, port: number, community: string, oids: string[], signal: AbortSignal): Promise<SnmpVarbind[]> {
  return new Promise((resolve, reject) => {
    const requestId = randomInt(1, 0x7fffffff);
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const finish = (error: Error | undefined, varbinds?: SnmpVarbind[]): void => {
      signal.removeEventListener('abort', onAbort);
      socket.close();
      if (error) reject(error);
      else resolve(varbinds ?? []);
    };
    const onAbort = (): void => finish(new Error('no SNMP reply'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (error) => finish(error));
    socket.on('message', (message) => {
      try {
        const response = decodeResponse(message);
        // A late reply to an earlier request is not ours.
        if (response.requestId === requestId) finish(undefined, response.varbinds);
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.send(encodeGetRequest(community, requestId, oids), port, host);
  });
}
