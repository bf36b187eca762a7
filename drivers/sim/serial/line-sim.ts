import type { SerialBus } from '../../serial/serial-bus.ts';

/** A device that prints a text line every `periodMs` (a level logger, a weather station). */
export class LineSimulator {
  readonly #port: SerialBus;
  readonly #line: () => string;
  readonly #periodMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: { port: SerialBus; line: () => string; periodMs?: number }) {
    this.#port = options.port;
    this.#line = options.line;
    this.#periodMs = options.periodMs ?? 500;
  }

  async start(signal: AbortSignal): Promise<void> {
    await this.#port.start(signal);
    this.#timer = setInterval(() => {
      if (this.#port.isOpen) this.#port.write(Buffer.from(this.#line(), 'latin1')).catch(() => undefined);
    }, this.#periodMs);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#port.stop();
  }
}
