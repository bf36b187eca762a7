import { ErrorCodes, GatewayError } from '../../core/errors.ts';
import type { ModbusPointConfig } from './config-schema.ts';
import { registerCount } from './codecs.ts';
import { maxCount } from './pdu.ts';

/** One read request covering several points of one table. */
export interface ReadBlock {
  fc: 1 | 2 | 3 | 4;
  address: number;
  count: number;
  points: ModbusPointConfig[];
}

/** How much a device accepts in one read request. */
export interface CoalescePolicy {
  /** Longest register read the device accepts (bit reads use the protocol's 2000). */
  maxRegistersPerRead: number;
  /** Largest run of unread addresses a block may span; 0 means only adjacent points share a read. */
  maxGap: number;
}

const tableFc = { coil: 1, discrete: 2, holding: 3, input: 4 } as const;

/**
 * Groups points into as few reads as the device allows: same table, sorted by address, extended
 * while the gap to the next point is within `maxGap` and the block stays within the device's
 * maximum. Points that overlap (two views of one register) share the read.
 */
export function coalesce(points: readonly ModbusPointConfig[], policy: CoalescePolicy): ReadBlock[] {
  const blocks: ReadBlock[] = [];
  for (const table of ['holding', 'input', 'coil', 'discrete'] as const) {
    const fc = tableFc[table];
    const limit = fc <= 2 ? maxCount[fc] : Math.min(policy.maxRegistersPerRead, maxCount[fc]);
    const inTable = points.filter((p) => p.table === table).sort((a, b) => a.address - b.address || registerCount(b.type) - registerCount(a.type));
    let current: ReadBlock | undefined;
    for (const point of inTable) {
      const width = registerCount(point.type);
      if (width > limit) throw new GatewayError(ErrorCodes.ProfileInvalid, `point ${point.name} needs ${width} registers but the device reads at most ${limit}`);
      if (point.address + width > 65536) throw new GatewayError(ErrorCodes.ProfileInvalid, `point ${point.name} runs past address 65535`);
      if (current) {
        const end = current.address + current.count;
        const gap = point.address - end;
        const newEnd = Math.max(end, point.address + width);
        if (gap <= policy.maxGap && newEnd - current.address <= limit) {
          current.count = newEnd - current.address;
          current.points.push(point);
          continue;
        }
      }
      current = { fc, address: point.address, count: width, points: [point] };
      blocks.push(current);
    }
  }
  return blocks;
}

/** The slice of a block's reply that belongs to `point`. */
export function sliceFor(block: ReadBlock, point: ModbusPointConfig, reply: { registers?: number[]; bits?: boolean[] }): { registers?: number[]; bits?: boolean[] } {
  const from = point.address - block.address;
  const to = from + registerCount(point.type);
  return block.fc <= 2 ? { bits: reply.bits?.slice(from, to) } : { registers: reply.registers?.slice(from, to) };
}
