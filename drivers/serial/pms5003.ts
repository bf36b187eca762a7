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
 * Names and units of a data frame's words for a model, in the gateway's value-name convention
 * (`<quantity>_<unit>`, see drivers/profiles/README.md). `pm25_ug_m3` is the "atmospheric
 * environment" value the datasheet recommends for ambient air; `_cf1_` values are the factory
 * calibration ones; `particles_<size>um_per_dl` count particles above that diameter in 0.1 L.
 */
export function decodePmsData(words: number[], model: PmsModel): PmsValues {
  const w = (i: number): number => words[i] ?? 0;
  const ug = 'ug/m3';
  const perDl = '1/0.1L';
  const values: Record<string, number> = {
    pm1_ug_m3: w(3), pm25_ug_m3: w(4), pm10_ug_m3: w(5),
    pm1_cf1_ug_m3: w(0), pm25_cf1_ug_m3: w(1), pm10_cf1_ug_m3: w(2),
  };
  const units: Record<string, string> = {};
  for (const name of Object.keys(values)) units[name] = ug;
  const counts: Array<[string, number]> = [['0_3', 6], ['0_5', 7], ['1_0', 8], ['2_5', 9]];
  // The T variant carries temperature (signed, x10) and humidity (x10) where the >5 and >10 um counts were.
  if (model !== 'pms5003t') counts.push(['5_0', 10], ['10', 11]);
  for (const [size, word] of counts) {
    values[`particles_${size}um_per_dl`] = w(word);
    units[`particles_${size}um_per_dl`] = perDl;
  }
  if (model === 'pms5003t') {
    values.temperature_c = (w(10) >= 0x8000 ? w(10) - 0x10000 : w(10)) / 10;
    values.humidity_pct = w(11) / 10;
    units.temperature_c = 'degC';
    units.humidity_pct = '%RH';
  }
  return { values, units };
}
