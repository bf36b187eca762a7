import { setTimeout as sleep } from 'node:timers/promises';
import type { BusHealth, FieldService } from '../types.ts';
import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { SerialBusConfig } from './config-schema.ts';
import type { AlertSink } from '../../core/alert.ts';
import { AlertLatch, busOfflineAlert } from '../availability.ts';
import { openSerialPortLink, type OpenSerialLink, type SerialLink } from './port.ts';

export interface SerialBusStats {
  bus: string;
  port: string;
  state: 'open' | 'closed';
  opens: number;
  openFailures: number;
  closes: number;
  bytesIn: number;
  bytesOut: number;
  /** Received chunks a device's handler failed on (contained; a bug if ever non-zero). */
  listenerErrors: number;
  lastError: string | null;
}

type DataListener = (chunk: Buffer) => void;
type StateListener = (open: boolean) => void;

/**
 * One serial port, owned by one service: it opens the port, reopens it with a doubling backoff
 * when it disappears (USB unplugged), fans received bytes out to the devices on it and runs their
 * transactions one at a time. Nothing else touches the port.
 */
export class SerialBus implements FieldService {
  readonly name: string;
  readonly config: SerialBusConfig;
  readonly #log: Logger;
  readonly #open: OpenSerialLink;
  readonly #dataListeners = new Set<DataListener>();
  readonly #stateListeners = new Set<StateListener>();
  #link: SerialLink | null = null;
  #loop: Promise<void> | null = null;
  #stopping: AbortController | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #stats: SerialBusStats;

  /** `bus-offline:{id}` while the port cannot be opened or went away (an unplugged USB adapter). */
  readonly #portAlert: AlertLatch;

  constructor(config: SerialBusConfig, log: Logger, open: OpenSerialLink = openSerialPortLink, alert: AlertSink = () => undefined) {
    this.name = `serial-bus:${config.id}`;
    this.config = config;
    this.#log = log;
    this.#open = open;
    this.#portAlert = new AlertLatch(alert);
    this.#stats = { bus: config.id, port: config.port, state: 'closed', opens: 0, openFailures: 0, closes: 0, bytesIn: 0, bytesOut: 0, listenerErrors: 0, lastError: null };
  }

  get isOpen(): boolean {
    return this.#link !== null;
  }

  stats(): SerialBusStats {
    return { ...this.#stats };
  }

  busHealth(): BusHealth {
    return { type: 'serial', ...this.#stats };
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.#loop) return;
    this.#stopping = new AbortController();
    const stop = AbortSignal.any([signal, this.#stopping.signal]);
    this.#loop = this.#run(stop).catch((error: unknown) => this.#log.error({ err: toError(error).message }, 'serial bus loop ended'));
  }

  async stop(): Promise<void> {
    this.#stopping?.abort();
    await this.#link?.close();
    await this.#loop;
    this.#loop = null;
  }

  /** Receives every chunk read from the port; returns the unsubscribe function. */
  subscribe(listener: DataListener): () => void {
    this.#dataListeners.add(listener);
    return () => this.#dataListeners.delete(listener);
  }

  /** Told when the port opens (true) or goes away (false). */
  onState(listener: StateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  async write(bytes: Uint8Array): Promise<void> {
    const link = this.#link;
    if (!link) throw new GatewayError(ErrorCodes.TransportClosed, `serial port ${this.config.port} is not open`, { context: { bus: this.config.id } });
    if (this.#log.isLevelEnabled('trace')) this.#log.trace({ bus: this.config.id, tx: Buffer.from(bytes).toString('hex') }, 'tx');
    this.#stats.bytesOut += bytes.length;
    await link.write(bytes);
  }

  /** Runs `fn` when no other transaction is running on this port (SDI-12 addresses share one). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Closes the port so the loop reopens it: a pty whose peer vanished, or a USB adapter that
   * wedged, can stay "open" and silent forever.
   */
  requestReopen(reason: string): void {
    const link = this.#link;
    if (!link) return;
    this.#log.warn({ bus: this.config.id, reason }, 'reopening serial port');
    void link.close();
  }

  async #run(stop: AbortSignal): Promise<void> {
    let delayMs = this.config.reopen.min;
    while (!stop.aborted) {
      const closed = await this.#openOnce(stop);
      if (closed === 'opened') delayMs = this.config.reopen.min;
      if (stop.aborted) break;
      try {
        await sleep(delayMs, undefined, { signal: stop });
      } catch {
        break;
      }
      if (closed !== 'opened') delayMs = Math.min(this.config.reopen.max, delayMs * 2);
    }
  }

  /** Opens the port and resolves when it closes again ('opened') or could not open ('failed'). */
  async #openOnce(stop: AbortSignal): Promise<'opened' | 'failed'> {
    let link: SerialLink;
    try {
      link = await this.#open({ path: this.config.port, baud: this.config.baud, parity: this.config.parity, dataBits: this.config.dataBits, stopBits: this.config.stopBits });
    } catch (error) {
      this.#stats.openFailures += 1;
      const message = toError(error).message;
      // A missing port is the expected state while unplugged: log it once per outage, not per retry.
      if (this.#stats.lastError !== message) this.#log.warn({ bus: this.config.id, err: message, code: isGatewayError(error) ? error.codeName : undefined }, 'cannot open serial port');
      this.#stats.lastError = message;
      this.#portAlert.raise(() => busOfflineAlert(this.config.id, this.config.port, 'raised', message));
      return 'failed';
    }
    const ended = new Promise<Error | null>((resolve) => link.onClose(resolve));
    link.onData((chunk) => {
      this.#stats.bytesIn += chunk.length;
      if (this.#log.isLevelEnabled('trace')) this.#log.trace({ bus: this.config.id, rx: chunk.toString('hex') }, 'rx');
      for (const listener of this.#dataListeners) {
        // One device's parser failing on odd bytes must neither end the process nor starve the others.
        try {
          listener(chunk);
        } catch (error) {
          this.#stats.listenerErrors += 1;
          this.#log.error({ bus: this.config.id, err: toError(error).message }, 'a device on this port failed to handle received bytes; carrying on');
        }
      }
    });
    if (stop.aborted) {
      await link.close();
      return 'opened';
    }
    this.#link = link;
    this.#stats.opens += 1;
    this.#stats.state = 'open';
    this.#stats.lastError = null;
    this.#log.info({ bus: this.config.id, port: this.config.port }, 'serial port open');
    this.#portAlert.clear(() => busOfflineAlert(this.config.id, this.config.port, 'cleared'));
    this.#notify(true);
    const error = await ended;
    this.#link = null;
    this.#stats.closes += 1;
    this.#stats.state = 'closed';
    if (error) {
      this.#stats.lastError = error.message;
      this.#log.warn({ bus: this.config.id, err: error.message }, 'serial port lost');
      this.#portAlert.raise(() => busOfflineAlert(this.config.id, this.config.port, 'raised', error.message));
    }
    this.#notify(false);
    return 'opened';
  }

  #notify(open: boolean): void {
    for (const listener of this.#stateListeners) {
      try {
        listener(open);
      } catch (error) {
        this.#log.error({ err: toError(error).message }, 'serial bus state listener failed');
      }
    }
  }
}
