import { encodePmsFrame, type PmsModel } from '../../serial/pms5003.ts';
import type { SerialBus } from '../../serial/serial-bus.ts';

/** Frame words for a PM2.5 (atmospheric) value, consistent like a real sensor's (cumulative sizes). */
export function pmsWords(pm25: number, model: PmsModel = 'pms5003', climate = { temperatureC: 31.5, humidityPct: 68 }): number[] {
  const at25 = Math.round(pm25);
  const at1 = Math.round(pm25 * 0.7);
  const at10 = Math.round(pm25 * 1.3);
  const cf = (v: number): number => (v < 30 ? v : Math.round(v * 1.25));
  const n03 = Math.round(pm25 * 60 + 100);
  const n05 = Math.round(n03 * 0.3);
  const n10 = Math.round(n05 * 0.25);
  const tail =
    model === 'pms5003t'
      ? [Math.round(n10 * 0.15), Math.round(climate.temperatureC * 10) & 0xffff, Math.round(climate.humidityPct * 10)]
      : [Math.round(n10 * 0.15), Math.round(n10 * 0.05), Math.round(n10 * 0.01)];
  const words = [cf(at1), cf(at25), cf(at10), at1, at25, at10, n03, n05, n10, ...tail];
  while (words.length < 12) words.push(0);
  return [...words.slice(0, 12), 0x9700];
}

export interface PmsSimOptions {
  port: SerialBus;
  model?: PmsModel;
  /** Active-mode frame period (the sensor sends every 200-2300 ms). */
  periodMs?: number;
  /** PM2.5 at a time (ms since the simulator started). */
  pm25?: (tMs: number) => number;
}

/**
 * A PMS5003 on the wire: streams frames in active mode, answers the read command in passive
 * mode, and acknowledges mode commands like the sensor (`42 4D 00 04 E1 00 mode`).
 */
export class PmsSimulator {
  readonly #o: Required<PmsSimOptions>;
  #mode: 'active' | 'passive' = 'active';
  #timer: NodeJS.Timeout | null = null;
  #rx: Buffer = Buffer.alloc(0);
  #startMs = Date.now();
  #off: (() => void) | null = null;
  /** Frames sent, for tests. */
  sent = 0;

  constructor(options: PmsSimOptions) {
    this.#o = { model: 'pms5003', periodMs: 1000, pm25: () => 20, ...options };
  }

  get mode(): 'active' | 'passive' {
    return this.#mode;
  }

  async start(signal: AbortSignal): Promise<void> {
    this.#startMs = Date.now();
    this.#off = this.#o.port.subscribe((chunk) => this.#onHost(chunk));
    await this.#o.port.start(signal);
    this.#timer = setInterval(() => {
      if (this.#mode === 'active') this.#sendFrame();
    }, this.#o.periodMs);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#off?.();
    await this.#o.port.stop();
  }

  #sendFrame(): void {
    if (!this.#o.port.isOpen) return;
    const frame = encodePmsFrame(pmsWords(this.#o.pm25(Date.now() - this.#startMs), this.#o.model));
    this.sent += 1;
    this.#o.port.write(frame).catch(() => undefined);
  }

  #onHost(chunk: Buffer): void {
    this.#rx = Buffer.concat([this.#rx, chunk]).subarray(-64);
    for (;;) {
      const at = this.#rx.indexOf(Buffer.from([0x42, 0x4d]));
      if (at < 0 || this.#rx.length - at < 7) return;
      const cmd = this.#rx.subarray(at, at + 7);
      this.#rx = this.#rx.subarray(at + 7);
      const sum = cmd[0]! + cmd[1]! + cmd[2]! + cmd[3]! + cmd[4]!;
      if (cmd.readUInt16BE(5) !== sum) continue;
      if (cmd[2] === 0xe1) {
        this.#mode = cmd[4] === 1 ? 'active' : 'passive';
        const ack = Buffer.from([0x42, 0x4d, 0x00, 0x04, 0xe1, cmd[4]!, 0, 0]);
        ack.writeUInt16BE(0x42 + 0x4d + 0x04 + 0xe1 + cmd[4]!, 6);
        this.#o.port.write(ack).catch(() => undefined);
      } else if (cmd[2] === 0xe2 && this.#mode === 'passive') {
        this.#sendFrame();
      }
    }
  }
}
