import { decodeRaw } from '../codecs.ts';

const orders = ['ABCD', 'CDAB', 'BADC', 'DCBA'] as const;

function fmt(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e10)) return value.toExponential(4);
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(7)));
}

/** One row per register: that register, and the values that start at it, in every type and order. */
export interface ProbeRow {
  address: number;
  hex: string;
  uint16: number;
  int16: number;
  int16Swapped: number;
  /** `uint32 ABCD` ... `float64 DCBA`: undefined where the block ends too early. */
  wide: Record<string, number | undefined>;
}

/**
 * Every reading of a register block a technician may need to recognise a value: for an unknown
 * device, the plausible column (a temperature near 30, a level near 1.2) tells type and order.
 */
export function probeRows(startAddress: number, registers: readonly number[]): ProbeRow[] {
  return registers.map((register, i) => {
    const wide: Record<string, number | undefined> = {};
    const two = registers.slice(i, i + 2);
    const four = registers.slice(i, i + 4);
    for (const order of orders) {
      for (const type of ['uint32', 'int32', 'float32'] as const) wide[`${type} ${order}`] = two.length === 2 ? decodeRaw(type, order, two) : undefined;
      wide[`float64 ${order}`] = four.length === 4 ? decodeRaw('float64', order, four) : undefined;
    }
    return { address: startAddress + i, hex: register.toString(16).padStart(4, '0').toUpperCase(), uint16: register, int16: decodeRaw('int16', 'ABCD', [register]), int16Swapped: decodeRaw('int16', 'BADC', [register]), wide };
  });
}

/** The columns of the side-by-side table, narrow types first. */
export function probeTable(rows: ProbeRow[], wideColumns: string[]): { headers: string[]; cells: string[][] } {
  const headers = ['address', 'hex', 'uint16', 'int16', 'int16 BA', ...wideColumns];
  const cells = rows.map((r) => [`${r.address} (0x${r.address.toString(16).padStart(4, '0')})`, r.hex, String(r.uint16), String(r.int16), String(r.int16Swapped), ...wideColumns.map((c) => fmt(r.wide[c]))]);
  return { headers, cells };
}

/** Column groups of the probe tables. */
export const floatColumns = orders.map((o) => `float32 ${o}`);
export const integerColumns = [...orders.map((o) => `uint32 ${o}`), ...orders.map((o) => `int32 ${o}`)];
export const doubleColumns = orders.map((o) => `float64 ${o}`);
