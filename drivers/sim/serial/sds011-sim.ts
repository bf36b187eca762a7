import { encodeSdsData, encodeSdsFrame, sdsCommandIds } from '../../serial/sds011.ts';
import type { SerialBus } from '../../serial/serial-bus.ts';

export interface SdsSimOptions {
  port: SerialBus;
  /** Concentrations at a time (ms since start). */
  pm?: (tMs: number) => { pm25_ug_m3: number; pm10_ug_m3: number };
  deviceId?: number;
}

/**
 * An SDS011 on the wire: starts in active mode (one frame a second) and awake; obeys reporting
 * mode, query and sleep/work commands with the sensor's `C5` replies. A sleeping sensor ignores
 * queries, as the real one does.
 */
export class SdsSimulator {
  readonly #o: Required<SdsSimOptions>;
  #reporting: 'active' | 'query' = 'active';
  #awake = true;
  #rx: Buffer = Buffer.alloc(0);
  #timer: NodeJS.Timeout | null = null;
  #off: (() => void) | null = null;
  #startMs = Date.now();
  /** Commands seen, for tests: `sleep`, `work`, `query`, `mode-query`, `mode-active`. */
  readonly log: string[] = [];

  constructor(options: SdsSimOptions) {
    this.#o = { pm: () => ({ pm25_ug_m3: 12.3, pm10_ug_m3: 20.5 }), deviceId: 0xa160, ...options };
  }

  get awake(): boolean {
    return this.#awake;
  }

  async start(signal: AbortSignal): Promise<void> {
    this.#off = this.#o.port.subscribe((chunk) => this.#onHost(chunk));
    await this.#o.port.start(signal);
    this.#timer = setInterval(() => {
      if (this.#reporting === 'active' && this.#awake) this.#sendData();
    }, 1000);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#off?.();
    await this.#o.port.stop();
  }

  #send(bytes: Buffer): void {
    this.#o.port.write(bytes).catch(() => undefined);
  }

  #sendData(): void {
    const pm = this.#o.pm(Date.now() - this.#startMs);
    this.#send(encodeSdsData(pm.pm25_ug_m3, pm.pm10_ug_m3, this.#o.deviceId));
  }

  #onHost(chunk: Buffer): void {
    this.#rx = Buffer.concat([this.#rx, chunk]).subarray(-128);
    for (;;) {
      const at = this.#rx.indexOf(0xaa);
      if (at < 0 || this.#rx.length - at < 19) return;
      const cmd = this.#rx.subarray(at, at + 19);
      this.#rx = this.#rx.subarray(at + 19);
      let sum = 0;
      for (let i = 2; i <= 16; i++) sum += cmd[i]!;
      if (cmd[1] !== 0xb4 || cmd[18] !== 0xab || (sum & 0xff) !== cmd[17]) continue;
      const [id, set, value] = [cmd[2]!, cmd[3]!, cmd[4]!];
      if (id === sdsCommandIds.sleepWork) {
        if (set === 1) this.#awake = value === 1;
        this.log.push(this.#awake ? 'work' : 'sleep');
        this.#send(encodeSdsFrame('reply', [id, set, this.#awake ? 1 : 0, 0], this.#o.deviceId));
      } else if (!this.#awake) {
        continue;
      } else if (id === sdsCommandIds.reportingMode) {
        if (set === 1) this.#reporting = value === 1 ? 'query' : 'active';
        this.log.push(`mode-${this.#reporting}`);
        this.#send(encodeSdsFrame('reply', [id, set, this.#reporting === 'query' ? 1 : 0, 0], this.#o.deviceId));
      } else if (id === sdsCommandIds.query) {
        this.log.push('query');
        this.#sendData();
      }
    }
  }
}
