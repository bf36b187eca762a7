import { exceptionNames } from '../modbus/pdu.ts';

/** Misbehaviour on demand, per simulated device. */
export interface Misbehaviour {
  /** Extra reply delay (a slow device, or a late reply after the master's timeout). */
  delayMs: number;
  /** Never reply (a dead device, a cut cable). */
  mute: boolean;
  /** Reply to every request with this exception code (e.g. 6 busy, 4 device failure). */
  exception: number | null;
  /** Send the reply with a corrupted CRC. */
  crcError: boolean;
  /** Send this many random bytes before the reply (line noise). */
  garbageBytes: number;
  /** Send exactly these bytes before the reply (noise that looks like the start of a frame). */
  garbagePrefix: number[] | null;
}

/** No misbehaviour: answer everything at once, correctly. */
export function wellBehaved(): Misbehaviour {
  return { delayMs: 0, mute: false, exception: null, crcError: false, garbageBytes: 0, garbagePrefix: null };
}

type Table = 'holding' | 'input' | 'coil' | 'discrete';

/**
 * The register map of one simulated Modbus device. Only mapped addresses can be read (a read
 * across an unmapped address gets exception 2, as many real devices do).
 */
export class SimSlave {
  readonly unit: number;
  readonly misbehave: Misbehaviour = wellBehaved();
  readonly registers = { holding: new Map<number, number>(), input: new Map<number, number>() };
  readonly bits = { coil: new Map<number, boolean>(), discrete: new Map<number, boolean>() };
  /** Requests addressed to this unit, answered or not (a muted device still hears them). */
  requestsHeard = 0;
  /** Requests answered, by function code (tests and the demo read it). */
  readonly served = new Map<number, number>();
  /** Called after a write so a model can react (a relay switching a siren). */
  onWrite: ((table: Table, address: number) => void) | undefined;

  constructor(unit: number) {
    this.unit = unit;
  }

  setRegisters(table: 'holding' | 'input', address: number, values: readonly number[]): void {
    values.forEach((v, i) => this.registers[table].set(address + i, v & 0xffff));
  }

  setBit(table: 'coil' | 'discrete', address: number, on: boolean): void {
    this.bits[table].set(address, on);
  }

  /** The reply PDU to a request PDU (an exception reply when the request cannot be served). */
  handle(pdu: Buffer): Buffer {
    const fc = pdu[0]!;
    this.served.set(fc, (this.served.get(fc) ?? 0) + 1);
    if (this.misbehave.exception !== null) return exception(fc, this.misbehave.exception);
    switch (fc) {
      case 1:
      case 2:
        return this.readBits(fc, pdu, fc === 1 ? 'coil' : 'discrete');
      case 3:
      case 4:
        return this.readRegisters(fc, pdu, fc === 3 ? 'holding' : 'input');
      case 5: {
        const address = pdu.readUInt16BE(1);
        if (!this.bits.coil.has(address)) return exception(fc, 2);
        const raw = pdu.readUInt16BE(3);
        if (raw !== 0xff00 && raw !== 0) return exception(fc, 3);
        this.bits.coil.set(address, raw === 0xff00);
        this.onWrite?.('coil', address);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 6: {
        const address = pdu.readUInt16BE(1);
        if (!this.registers.holding.has(address)) return exception(fc, 2);
        this.registers.holding.set(address, pdu.readUInt16BE(3));
        this.onWrite?.('holding', address);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 15: {
        const address = pdu.readUInt16BE(1);
        const count = pdu.readUInt16BE(3);
        for (let i = 0; i < count; i++) if (!this.bits.coil.has(address + i)) return exception(fc, 2);
        for (let i = 0; i < count; i++) this.bits.coil.set(address + i, ((pdu[6 + (i >> 3)]! >> (i & 7)) & 1) === 1);
        for (let i = 0; i < count; i++) this.onWrite?.('coil', address + i);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 16: {
        const address = pdu.readUInt16BE(1);
        const count = pdu.readUInt16BE(3);
        for (let i = 0; i < count; i++) if (!this.registers.holding.has(address + i)) return exception(fc, 2);
        for (let i = 0; i < count; i++) this.registers.holding.set(address + i, pdu.readUInt16BE(6 + 2 * i));
        for (let i = 0; i < count; i++) this.onWrite?.('holding', address + i);
        return Buffer.from(pdu.subarray(0, 5));
      }
      case 17: {
        const id = Buffer.from(`citygw-sim unit ${this.unit}`);
        return Buffer.concat([Buffer.from([17, id.length + 2, this.unit, 0xff]), id]);
      }
      default:
        return exception(fc, 1);
    }
  }

  private readRegisters(fc: number, pdu: Buffer, table: 'holding' | 'input'): Buffer {
    const address = pdu.readUInt16BE(1);
    const count = pdu.readUInt16BE(3);
    if (count < 1 || count > 125) return exception(fc, 3);
    const out = Buffer.alloc(2 + 2 * count);
    out[0] = fc;
    out[1] = 2 * count;
    for (let i = 0; i < count; i++) {
      const value = this.registers[table].get(address + i);
      if (value === undefined) return exception(fc, 2);
      out.writeUInt16BE(value, 2 + 2 * i);
    }
    return out;
  }

  private readBits(fc: number, pdu: Buffer, table: 'coil' | 'discrete'): Buffer {
    const address = pdu.readUInt16BE(1);
    const count = pdu.readUInt16BE(3);
    if (count < 1 || count > 2000) return exception(fc, 3);
    const out = Buffer.alloc(2 + Math.ceil(count / 8));
    out[0] = fc;
    out[1] = Math.ceil(count / 8);
    for (let i = 0; i < count; i++) {
      const on = this.bits[table].get(address + i);
      if (on === undefined) return exception(fc, 2);
      if (on) out[2 + (i >> 3)]! |= 1 << (i & 7);
    }
    return out;
  }
}

function exception(fc: number, code: number): Buffer {
  if (!(code in exceptionNames)) code = 4;
  return Buffer.from([fc | 0x80, code]);
}
