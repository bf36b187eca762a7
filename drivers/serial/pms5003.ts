import { ByteQueue, emptyStats, type FrameParser, type ParserStats } from './frame-parser.ts';

/**
 * Plantower PMS5003 / PMS7003 / PMS5003T (9600 8N1). Frames: `42 4D`, length (big-endian), data
 * words, then a 16-bit sum of every byte before it. A data frame has length 28 (13 words); the
 * answer to a mode command has length 4 (command byte, data byte).
 */
export type PmsModel = 'pms5003' | 'pms7003' | 'pms5003t';

export type PmsFrame = { type: 'data'; words: number[] } | { type: 'reply'; command: number; data: number };

const header0 = 0x42;
const header1 = 0x4d;
const dataLength = 28;
const replyLength = 4;

function command(cmd: number, dataHigh: number, dataLow: number): Buffer {
  const bytes = [header0, header1, cmd, dataHigh, dataLow];
  const sum = bytes.reduce((a, b) => a + b, 0);
  return Buffer.from([...bytes, (sum >> 8) & 0xff, sum & 0xff]);
}

/** Commands from the datasheet (appendix B). */
export const pmsCommands = {
  passiveMode: command(0xe1, 0x00, 0x00),
  activeMode: command(0xe1, 0x00, 0x01),
  read: command(0xe2, 0x00, 0x00),
  sleep: command(0xe4, 0x00, 0x00),
  wakeUp: command(0xe4, 0x00, 0x01),
} as const;

/** Builds a frame with its checksum (used by the simulator and the tests). */
export function encodePmsFrame(words: number[]): Buffer {
  const frame = Buffer.alloc(4 + words.length * 2 + 2);
  frame[0] = header0;
  frame[1] = header1;
  frame.writeUInt16BE(words.length * 2 + 2, 2);
  words.forEach((w, i) => frame.writeUInt16BE(w & 0xffff, 4 + i * 2));
  let sum = 0;
  for (let i = 0; i < frame.length - 2; i++) sum += frame[i]!;
  frame.writeUInt16BE(sum & 0xffff, frame.length - 2);
  return frame;
}

/** Mass concentrations are cumulative (PM1 is inside PM2.5 is inside PM10), and so are counts. */
function plausibleData(words: number[]): boolean {
  const [cf1, cf25, cf10, at1, at25, at10, n03, n05, n10] = words as [number, number, number, number, number, number, number, number, number];
  return cf1 <= cf25 && cf25 <= cf10 && at1 <= at25 && at25 <= at10 && n03 >= n05 && n05 >= n10;
}

export class PmsParser implements FrameParser<PmsFrame> {
  readonly stats: ParserStats = emptyStats();
  readonly #queue = new ByteQueue(256);

  reset(): void {
    this.#queue.clear();
  }

  push(chunk: Uint8Array): PmsFrame[] {
    this.stats.discardedBytes += this.#queue.append(chunk);
    const frames: PmsFrame[] = [];
    for (;;) {
      const buf = this.#queue.bytes;
      const start = findHeader(buf);
      if (start < 0) {
        // Keep a trailing 0x42: it may be the first half of the next header.
        const keep = buf.length > 0 && buf[buf.length - 1] === header0 ? 1 : 0;
        this.#skip(buf.length - keep);
        return frames;
      }
      this.#skip(start);
      const frame = this.#queue.bytes;
      if (frame.length < 4) return frames;
      const length = frame.readUInt16BE(2);
      if (length !== dataLength && length !== replyLength) {
        this.#skip(1);
        continue;
      }
      const total = 4 + length;
      if (frame.length < total) return frames;
      let sum = 0;
      for (let i = 0; i < total - 2; i++) sum += frame[i]!;
      if ((sum & 0xffff) !== frame.readUInt16BE(total - 2)) {
        this.stats.checksumErrors += 1;
        this.#skip(1);
        continue;
      }
      if (length === replyLength) {
        frames.push({ type: 'reply', command: frame[4]!, data: frame[5]! });
      } else {
        const words: number[] = [];
        for (let i = 0; i < 13; i++) words.push(frame.readUInt16BE(4 + i * 2));
        if (!plausibleData(words)) {
          this.stats.invalidFrames += 1;
          this.#skip(1);
          continue;
        }
        frames.push({ type: 'data', words });
      }
      this.stats.frames += 1;
      this.#queue.consume(total);
    }
  }

  #skip(count: number): void {
    if (count <= 0) return;
    this.stats.discardedBytes += count;
    this.#queue.consume(count);
  }
}

function findHeader(buf: Buffer): number {
  for (let i = 0; i + 1 < buf.length; i++) if (buf[i] === header0 && buf[i + 1] === header1) return i;
  return -1;
}

export interface PmsValues {
  values: Record<string, number>;
  units: Record<string, string>;
}

/**
 * Names and units of a data frame's words for a model. `pm2_5` is the "atmospheric environment"
 * value the datasheet recommends for ambient air; `_cf1` values are the factory-calibration ones.
 */
export function decodePmsData(words: number[], model: PmsModel): PmsValues {
  const w = (i: number): number => words[i] ?? 0;
  const ug = 'ug/m3';
  const per01L = '1/0.1L';
  const values: Record<string, number> = {
    pm1_0: w(3), pm2_5: w(4), pm10: w(5),
    pm1_0_cf1: w(0), pm2_5_cf1: w(1), pm10_cf1: w(2),
    n0_3: w(6), n0_5: w(7), n1_0: w(8),
  };
  const units: Record<string, string> = { pm1_0: ug, pm2_5: ug, pm10: ug, pm1_0_cf1: ug, pm2_5_cf1: ug, pm10_cf1: ug, n0_3: per01L, n0_5: per01L, n1_0: per01L };
  values.n2_5 = w(9);
  units.n2_5 = per01L;
  if (model === 'pms5003t') {
    // The T variant carries temperature (signed, x10) and humidity (x10) where the >5 and >10 um counts were.
    values.temperature = (w(10) >= 0x8000 ? w(10) - 0x10000 : w(10)) / 10;
    values.humidity = w(11) / 10;
    units.temperature = 'degC';
    units.humidity = '%RH';
  } else {
    Object.assign(values, { n5_0: w(10), n10: w(11) });
    Object.assign(units, { n5_0: per01L, n10: per01L });
  }
  return { values, units };
}
