import { ByteQueue, emptyStats, type FrameParser, type ParserStats } from './frame-parser.ts';

/**
 * Nova SDS011 (9600 8N1), per the laser dust sensor control protocol V1.3. Sensor to host: 10
 * bytes `AA C0|C5 d1..d6 CHK AB`, CHK = low byte of the sum of d1..d6. `C0` carries data
 * (PM2.5 and PM10 x10, little-endian, then the device id), `C5` answers a command.
 * Host to sensor: 19 bytes `AA B4 cmd d1..d12 ID1 ID2 CHK AB` (ID FF FF addresses any sensor).
 */
export type SdsFrame =
  | { type: 'data'; pm25_ug_m3: number; pm10_ug_m3: number; deviceId: number }
  | { type: 'reply'; command: number; data: number[]; deviceId: number };

const head = 0xaa;
const tail = 0xab;
const dataCmd = 0xc0;
const replyCmd = 0xc5;
const frameBytes = 10;
/** The sensor's measuring range is 0.0-999.9 ug/m3. */
const maxUgM3 = 999.9;

export const sdsCommandIds = { reportingMode: 0x02, query: 0x04, setDeviceId: 0x05, sleepWork: 0x06, workingPeriod: 0x08, firmware: 0x07 } as const;

/** Builds a host command (19 bytes) with its checksum. */
export function sdsCommand(command: number, data: number[] = [], deviceId = 0xffff): Buffer {
  const frame = Buffer.alloc(19);
  frame[0] = head;
  frame[1] = 0xb4;
  frame[2] = command;
  data.slice(0, 12).forEach((b, i) => (frame[3 + i] = b & 0xff));
  frame[15] = (deviceId >> 8) & 0xff;
  frame[16] = deviceId & 0xff;
  let sum = 0;
  for (let i = 2; i <= 16; i++) sum += frame[i]!;
  frame[17] = sum & 0xff;
  frame[18] = tail;
  return frame;
}

export const sdsCommands = {
  /** Report only when queried (the sensor stops its 1 s stream). */
  queryMode: sdsCommand(sdsCommandIds.reportingMode, [1, 1]),
  activeMode: sdsCommand(sdsCommandIds.reportingMode, [1, 0]),
  query: sdsCommand(sdsCommandIds.query),
  /** Sleep turns the laser and fan off: the laser's life (about 8000 h) is what duty cycling saves. */
  sleep: sdsCommand(sdsCommandIds.sleepWork, [1, 0]),
  work: sdsCommand(sdsCommandIds.sleepWork, [1, 1]),
} as const;

/** Builds a sensor-to-host frame (for the simulator and tests). */
export function encodeSdsFrame(kind: 'data' | 'reply', payload: number[], deviceId = 0xa160): Buffer {
  const frame = Buffer.alloc(frameBytes);
  frame[0] = head;
  frame[1] = kind === 'data' ? dataCmd : replyCmd;
  payload.slice(0, 4).forEach((b, i) => (frame[2 + i] = b & 0xff));
  frame[6] = (deviceId >> 8) & 0xff;
  frame[7] = deviceId & 0xff;
  let sum = 0;
  for (let i = 2; i <= 7; i++) sum += frame[i]!;
  frame[8] = sum & 0xff;
  frame[9] = tail;
  return frame;
}

/** A data frame for concentrations in ug/m3 (0.1 resolution). */
export function encodeSdsData(pm25: number, pm10: number, deviceId = 0xa160): Buffer {
  const a = Math.round(pm25 * 10);
  const b = Math.round(pm10 * 10);
  return encodeSdsFrame('data', [a & 0xff, a >> 8, b & 0xff, b >> 8], deviceId);
}

export class SdsParser implements FrameParser<SdsFrame> {
  readonly stats: ParserStats = emptyStats();
  readonly #queue = new ByteQueue(128);

  reset(): void {
    this.#queue.clear();
  }

  push(chunk: Uint8Array): SdsFrame[] {
    this.stats.discardedBytes += this.#queue.append(chunk);
    const frames: SdsFrame[] = [];
    for (;;) {
      const buf = this.#queue.bytes;
      const start = buf.indexOf(head);
      if (start < 0) {
        this.#skip(buf.length);
        return frames;
      }
      this.#skip(start);
      const frame = this.#queue.bytes;
      if (frame.length >= 2 && frame[1] !== dataCmd && frame[1] !== replyCmd) {
        this.#skip(1);
        continue;
      }
      if (frame.length < frameBytes) return frames;
      if (frame[9] !== tail) {
        this.#skip(1);
        continue;
      }
      let sum = 0;
      for (let i = 2; i <= 7; i++) sum += frame[i]!;
      if ((sum & 0xff) !== frame[8]) {
        this.stats.checksumErrors += 1;
        this.#skip(1);
        continue;
      }
      const deviceId = (frame[6]! << 8) | frame[7]!;
      if (frame[1] === dataCmd) {
        const pm25 = frame.readUInt16LE(2) / 10;
        const pm10 = frame.readUInt16LE(4) / 10;
        if (pm25 > maxUgM3 || pm10 > maxUgM3) {
          this.stats.invalidFrames += 1;
          this.#skip(1);
          continue;
        }
        frames.push({ type: 'data', pm25_ug_m3: pm25, pm10_ug_m3: pm10, deviceId });
      } else {
        frames.push({ type: 'reply', command: frame[2]!, data: [frame[3]!, frame[4]!, frame[5]!], deviceId });
      }
      this.stats.frames += 1;
      this.#queue.consume(frameBytes);
    }
  }

  #skip(count: number): void {
    if (count <= 0) return;
    this.stats.discardedBytes += count;
    this.#queue.consume(count);
  }
}
