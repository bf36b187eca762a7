/**
 * Just enough JPEG to tell a live picture from a broken or blank one, without a decoder library:
 * the marker structure (SOI ... EOI), the frame size, and for baseline Huffman images the DC
 * coefficient of every luma block, i.e. the mean brightness of each 8x8 block. Their spread says
 * whether the picture is one flat colour (a dead sensor, a covered lens, a "no signal" frame).
 */

import { BitReader, buildTable, extend, type HuffmanTable } from './jpeg-huffman.ts';

export interface JpegCheck {
  valid: boolean;
  /** Why it is not a valid JPEG. */
  problem?: string;
  width?: number;
  height?: number;
  progressive?: boolean;
  /** Standard deviation of 8x8 block brightness (0-255 scale); undefined when not measured (progressive). */
  spread?: number;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
}

/** Splits the entropy-coded data after SOS into restart intervals, removing byte stuffing; returns where it ended. */
function scanSegments(data: Uint8Array, start: number): { segments: Uint8Array[]; end: number } {
  const out = new Uint8Array(Math.max(0, data.length - start));
  const segments: Uint8Array[] = [];
  let length = 0;
  let segmentStart = 0;
  let i = start;
  while (i < data.length) {
    const byte = data[i]!;
    if (byte !== 0xff) {
      out[length++] = byte;
      i++;
      continue;
    }
    const next = data[i + 1];
    if (next === 0x00) {
      out[length++] = 0xff;
      i += 2;
    } else if (next !== undefined && next >= 0xd0 && next <= 0xd7) {
      segments.push(out.subarray(segmentStart, length));
      segmentStart = length;
      i += 2;
    } else {
      break;
    }
  }
  segments.push(out.subarray(segmentStart, length));
  return { segments, end: i };
}

/** Checks a JPEG buffer: structure, size and (baseline) brightness spread. Runs to the end in one go. */
export function checkJpeg(data: Uint8Array): JpegCheck {
  const steps = inspect(data);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same check, giving the event loop a turn every few hundred MCUs: a 1080p picture takes tens
 * of milliseconds on a Raspberry Pi, which must not stall a bus scheduler's timers.
 */
export async function checkJpegYielding(data: Uint8Array): Promise<JpegCheck> {
  const steps = inspect(data);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

const mcusPerTurn = 512;

function* inspect(data: Uint8Array): Generator<void, JpegCheck> {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return { valid: false, problem: 'not a JPEG (no start-of-image marker)' };
  const dcTables = new Map<number, HuffmanTable>();
  const acTables = new Map<number, HuffmanTable>();
  const quant = new Map<number, number>();
  let components: Component[] = [];
  let width = 0;
  let height = 0;
  let progressive = false;
  let restartInterval = 0;
  let lumaDc: number[] | undefined;
  let i = 2;
  try {
    while (i < data.length) {
      if (data[i] !== 0xff) throw new Error(`marker expected at byte ${i}`);
      const marker = data[i + 1]!;
      if (marker === 0xff) {
        i++;
        continue;
      }
      if (marker === 0xd9) {
        if (width === 0) throw new Error('no frame header');
        const check: JpegCheck = { valid: true, width, height, progressive };
        if (lumaDc && lumaDc.length > 0) check.spread = standardDeviation(lumaDc);
        return check;
      }
      if (i + 4 > data.length) break;
      const length = (data[i + 2]! << 8) | data[i + 3]!;
      const body = data.subarray(i + 4, i + 2 + length);
      if (body.length !== length - 2) break;
      if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
        progressive = marker === 0xc2;
        height = (body[1]! << 8) | body[2]!;
        width = (body[3]! << 8) | body[4]!;
        components = [];
        for (let c = 0; c < body[5]!; c++) {
          const at = 6 + c * 3;
          components.push({ id: body[at]!, h: body[at + 1]! >> 4, v: body[at + 1]! & 15, tq: body[at + 2]! });
        }
      } else if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        throw new Error('unsupported JPEG coding (lossless or arithmetic)');
      } else if (marker === 0xc4) {
        for (let at = 0; at < body.length; ) {
          const cls = body[at]! >> 4;
          const id = body[at]! & 15;
          const counts = body.subarray(at + 1, at + 17);
          const total = counts.reduce((sum, n) => sum + n, 0);
          const table = buildTable(counts, body.subarray(at + 17, at + 17 + total));
          (cls === 0 ? dcTables : acTables).set(id, table);
          at += 17 + total;
        }
      } else if (marker === 0xdb) {
        for (let at = 0; at < body.length; ) {
          const precision16 = body[at]! >> 4 === 1;
          quant.set(body[at]! & 15, precision16 ? (body[at + 1]! << 8) | body[at + 2]! : body[at + 1]!);
          at += 1 + (precision16 ? 128 : 64);
        }
      } else if (marker === 0xdd) {
        restartInterval = (body[0]! << 8) | body[1]!;
      } else if (marker === 0xda) {
        const { segments, end } = scanSegments(data, i + 2 + length);
        if (!progressive && lumaDc === undefined) {
          lumaDc = yield* decodeLumaDc(body, components, dcTables, acTables, segments, restartInterval, width, height, quant);
        }
        i = end;
        continue;
      }
      i += 2 + length;
    }
    return { valid: false, problem: 'image is truncated (no end-of-image marker)', width, height, progressive };
  } catch (error) {
    return { valid: false, problem: error instanceof Error ? error.message : String(error), width, height, progressive };
  }
}

function* decodeLumaDc(
  sos: Uint8Array,
  frame: Component[],
  dcTables: Map<number, HuffmanTable>,
  acTables: Map<number, HuffmanTable>,
  segments: Uint8Array[],
  restartInterval: number,
  width: number,
  height: number,
  quant: Map<number, number>,
): Generator<void, number[]> {
  const scan = Array.from({ length: sos[0]! }, (_, c) => {
    const component = frame.find((f) => f.id === sos[1 + c * 2]);
    const dc = dcTables.get(sos[2 + c * 2]! >> 4);
    const ac = acTables.get(sos[2 + c * 2]! & 15);
    if (!component || !dc || !ac) throw new Error('scan refers to a missing component or Huffman table');
    return { component, dc, ac };
  });
  const hMax = Math.max(...frame.map((f) => f.h));
  const vMax = Math.max(...frame.map((f) => f.v));
  const single = scan.length === 1;
  const first = scan[0]!.component;
  const mcuCount = single
    ? Math.ceil(Math.ceil((width * first.h) / hMax) / 8) * Math.ceil(Math.ceil((height * first.v) / vMax) / 8)
    : Math.ceil(width / (8 * hMax)) * Math.ceil(height / (8 * vMax));
  const q0 = quant.get(frame[0]!.tq) ?? 1;
  const luma: number[] = [];
  let reader = new BitReader(segments[0] ?? new Uint8Array());
  let segment = 0;
  const predictors = scan.map(() => 0);
  for (let mcu = 0; mcu < mcuCount; mcu++) {
    if (mcu > 0 && mcu % mcusPerTurn === 0) yield;
    if (restartInterval > 0 && mcu > 0 && mcu % restartInterval === 0) {
      segment++;
      reader = new BitReader(segments[segment] ?? new Uint8Array());
      predictors.fill(0);
    }
    scan.forEach((s, c) => {
      const blocks = single ? 1 : s.component.h * s.component.v;
      for (let b = 0; b < blocks; b++) {
        const size = reader.decode(s.dc);
        predictors[c]! += size === 0 ? 0 : extend(reader.bits(size), size);
        for (let k = 1; k < 64; ) {
          const rs = reader.decode(s.ac);
          const run = rs >> 4;
          const bits = rs & 15;
          if (bits === 0) {
            if (run !== 15) break;
            k += 16;
          } else {
            k += run;
            reader.bits(bits);
            k++;
          }
        }
        // DC x quantiser = 8 x (block mean - 128).
        if (s.component === frame[0]) luma.push((predictors[c]! * q0) / 8 + 128);
      }
    });
  }
  return luma;
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return Math.round(Math.sqrt(variance) * 100) / 100;
}
