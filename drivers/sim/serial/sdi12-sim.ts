import { formatSdi12Values, sdi12Crc } from '../../serial/sdi12.ts';
import type { SerialBus } from '../../serial/serial-bus.ts';

export interface Sdi12SimOptions {
  port: SerialBus;
  address?: string;
  /** Seconds announced in the `atttn` reply. */
  waitS?: number;
  /** Sends the service request `a` after this many ms (before waitS runs out), or never if null. */
  readyAfterMs?: number | null;
  /** The values of a measurement (at most 9). */
  values?: () => number[];
  /** Echo each command back, as several USB adapters do. */
  echo?: boolean;
  /** Values per D reply (a real sensor splits when 35 characters would be exceeded). */
  perDataReply?: number;
}

/** An SDI-12 sensor behind an adapter, speaking text lines on the pty. */
export class Sdi12Simulator {
  readonly #o: Required<Sdi12SimOptions>;
  #rx = '';
  #crc = false;
  #latest: number[] = [];
  #off: (() => void) | null = null;
  #timers = new Set<NodeJS.Timeout>();

  constructor(options: Sdi12SimOptions) {
    this.#o = { address: '0', waitS: 1, readyAfterMs: 200, values: () => [27.8, 6.4, 7.1, 312, 12.5, 145], echo: true, perDataReply: 3, ...options };
  }

  async start(signal: AbortSignal): Promise<void> {
    this.#off = this.#o.port.subscribe((chunk) => this.#onHost(chunk.toString('latin1')));
    await this.#o.port.start(signal);
  }

  async stop(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#off?.();
    await this.#o.port.stop();
  }

  #send(line: string): void {
    this.#o.port.write(Buffer.from(`${line}\r\n`, 'latin1')).catch(() => undefined);
  }

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #onHost(text: string): void {
    this.#rx = (this.#rx + text).slice(-64);
    for (;;) {
      const end = this.#rx.indexOf('!');
      if (end < 0) return;
      const command = this.#rx.slice(0, end + 1).replace(/[\r\n]/g, '');
      this.#rx = this.#rx.slice(end + 1);
      if (this.#o.echo) this.#send(command);
      this.#answer(command);
    }
  }

  #answer(command: string): void {
    const a = this.#o.address;
    if (command === '?!') return this.#send(a);
    if (command[0] !== a) return;
    const body = command.slice(1, -1);
    if (body === '') return this.#send(a);
    if (/^MC?[1-9]?$/.test(body)) {
      this.#crc = body.startsWith('MC');
      this.#latest = this.#o.values();
      this.#send(`${a}${String(this.#o.waitS).padStart(3, '0')}${this.#latest.length}`);
      if (this.#o.readyAfterMs !== null) this.#later(this.#o.readyAfterMs, () => this.#send(a));
      return;
    }
    const d = /^D(\d)$/.exec(body);
    if (d) {
      const from = Number(d[1]) * this.#o.perDataReply;
      const reply = `${a}${formatSdi12Values(this.#latest.slice(from, from + this.#o.perDataReply))}`;
      this.#send(this.#crc ? `${reply}${sdi12Crc(reply)}` : reply);
    }
  }
}
