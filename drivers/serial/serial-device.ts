import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { NewReading, ReadingKind } from '../../core/reading.ts';
import type { DeviceStats, FieldDevice, FieldService } from '../types.ts';
import type { FrameParser } from './frame-parser.ts';
import type { SerialBus } from './serial-bus.ts';
import type { AlertSink } from '../../core/alert.ts';
import { AlertLatch, badReading, deviceOfflineAlert } from '../availability.ts';

const maxPendingSamples = 1000;

/** Decoded values of one frame or one transaction. */
export interface Sample {
  values: Record<string, number>;
  units: Record<string, string>;
}

/**
 * What a protocol contributes; the device below does the scheduling, averaging, offline
 * detection and stats. `stream`: the sensor sends on its own (frames between two emits are
 * averaged). `poll`: the gateway asks for each reading.
 */
export type SerialProtocol = (
  | { mode: 'stream'; parser: FrameParser<unknown>; decode(frame: unknown): Sample | null; onOpen?(bus: SerialBus): Promise<void> }
  | { mode: 'poll'; parser: FrameParser<unknown>; poll(bus: SerialBus, signal: AbortSignal): Promise<Sample>; onOpen?(bus: SerialBus): Promise<void> }
) & {
  /** The values a good reading has (name -> unit), so a bad one can list each as null with its reason. */
  points: Readonly<Record<string, string>>;
};

export interface SerialDeviceOptions {
  id: string;
  kind: ReadingKind;
  intervalMs: number;
  offlineAfterMs: number;
  bus: SerialBus;
  protocol: SerialProtocol;
  log: Logger;
  emit(reading: NewReading): void;
  /** `device-offline:{id}` is raised and cleared here, as for every driver family. */
  alert: AlertSink;
  nowMs?: () => number;
}

function mean(samples: Sample[]): Sample {
  const sums = new Map<string, { sum: number; n: number }>();
  const units: Record<string, string> = {};
  for (const s of samples) {
    for (const [k, v] of Object.entries(s.values)) {
      const e = sums.get(k) ?? { sum: 0, n: 0 };
      e.sum += v;
      e.n += 1;
      sums.set(k, e);
    }
    Object.assign(units, s.units);
  }
  const values: Record<string, number> = {};
  // Seven significant digits: the mean of identical frames is the frame value, not a rounding of it.
  for (const [k, { sum, n }] of sums) values[k] = Number((sum / n).toPrecision(7));
  return { values, units };
}

function reasonOf(error: unknown): string {
  return isGatewayError(error) ? `${error.codeName}: ${error.message}` : toError(error).message;
}

/** One serial sensor: a field device (readOnce, stats) and the service that emits its readings. */
export class SerialDevice implements FieldDevice, FieldService {
  readonly id: string;
  readonly kind: ReadingKind;
  readonly name: string;
  readonly #o: SerialDeviceOptions;
  readonly #now: () => number;
  readonly #stats: DeviceStats;
  #pending: Sample[] = [];
  #waiters: Array<(sample: Sample) => void> = [];
  #lastFrameMs: number;
  #stop: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #unsubscribe: Array<() => void> = [];
  readonly #offlineAlert: AlertLatch;

  constructor(options: SerialDeviceOptions) {
    this.#o = options;
    this.id = options.id;
    this.kind = options.kind;
    this.name = `serial-device:${options.id}`;
    this.#now = options.nowMs ?? Date.now;
    this.#offlineAlert = new AlertLatch(options.alert);
    this.#lastFrameMs = Number.NEGATIVE_INFINITY;
    this.#stats = { device: options.id, state: 'unknown', polls: 0, ok: 0, errors: {}, lastOkTsMs: null, lastError: null, bus: options.bus.config.id, parser: options.protocol.parser.stats };
  }

  stats(): DeviceStats {
    return { ...this.#stats, errors: { ...this.#stats.errors }, parser: { ...this.#o.protocol.parser.stats } };
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.#loop) return;
    this.#stop = new AbortController();
    const stop = AbortSignal.any([signal, this.#stop.signal]);
    const { bus, protocol } = this.#o;
    this.#lastFrameMs = this.#now();
    this.#unsubscribe.push(
      bus.onState((open) => {
        protocol.parser.reset();
        if (open) {
          this.#lastFrameMs = this.#now();
          if (protocol.onOpen) void bus.exclusive(() => protocol.onOpen!(bus)).catch((error: unknown) => this.#o.log.warn({ device: this.id, err: reasonOf(error) }, 'serial device setup failed'));
        } else {
          this.#markOffline('port closed');
        }
      }),
    );
    if (protocol.mode === 'stream') {
      this.#unsubscribe.push(bus.subscribe((chunk) => this.#onChunk(chunk)));
      // The bus may already be open (devices start after their bus).
      if (bus.isOpen && protocol.onOpen) void bus.exclusive(() => protocol.onOpen!(bus)).catch(() => undefined);
    } else if (bus.isOpen && protocol.onOpen) {
      void bus.exclusive(() => protocol.onOpen!(bus)).catch(() => undefined);
    }
    this.#loop = this.#run(stop).catch((error: unknown) => this.#o.log.error({ device: this.id, err: reasonOf(error) }, 'serial device loop ended'));
  }

  async stop(): Promise<void> {
    this.#stop?.abort();
    for (const off of this.#unsubscribe) off();
    this.#unsubscribe = [];
    await this.#loop;
    this.#loop = null;
  }

  /** One reading now: the next streamed frame, or one transaction. The bus must be started. */
  async readOnce(signal?: AbortSignal): Promise<NewReading> {
    const { protocol, bus } = this.#o;
    let sample: Sample;
    if (protocol.mode === 'poll') {
      sample = await bus.exclusive(() => protocol.poll(bus, signal ?? new AbortController().signal));
    } else {
      const timeoutMs = Math.max(5000, this.#o.intervalMs);
      // Not started (a one-off `citygw read`): listen just for this reading.
      const listen = this.#loop === null ? bus.subscribe((chunk) => this.#onChunk(chunk)) : null;
      sample = await new Promise<Sample>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(new GatewayError(ErrorCodes.Timeout, `no frame from ${this.id} within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (s: Sample): void => {
          clearTimeout(timer);
          resolve(s);
        };
        this.#waiters.push(waiter);
      }).finally(() => listen?.());
    }
    return this.#reading(sample);
  }

  #onChunk(chunk: Buffer): void {
    const protocol = this.#o.protocol;
    if (protocol.mode !== 'stream') return;
    for (const frame of protocol.parser.push(chunk)) {
      const sample = protocol.decode(frame);
      if (!sample) continue;
      this.#lastFrameMs = this.#now();
      // A stream faster than expected must not grow memory between two emits.
      if (this.#pending.length < maxPendingSamples) this.#pending.push(sample);
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const w of waiters) w(sample);
    }
  }

  async #run(stop: AbortSignal): Promise<void> {
    const { intervalMs } = this.#o;
    while (!stop.aborted) {
      try {
        await sleep(intervalMs, undefined, { signal: stop });
      } catch {
        return;
      }
      await this.#tick(stop);
    }
  }

  async #tick(stop: AbortSignal): Promise<void> {
    const { protocol, bus, emit } = this.#o;
    this.#stats.polls += 1;
    if (protocol.mode === 'stream') {
      const samples = this.#pending;
      this.#pending = [];
      if (samples.length > 0) {
        this.#ok();
        emit(this.#reading(mean(samples)));
        return;
      }
      const silentMs = this.#now() - this.#lastFrameMs;
      if (!bus.isOpen) {
        this.#portClosed();
        return;
      }
      this.#fail('NoFrame', `no valid frame for ${Math.round(silentMs / 1000)} s`);
      if (silentMs >= this.#o.offlineAfterMs) {
        this.#markOffline(`no valid frame for ${Math.round(silentMs / 1000)} s`);
        this.#lastFrameMs = this.#now();
        bus.requestReopen(`device ${this.id} silent`);
      }
      return;
    }
    if (!bus.isOpen) {
      this.#portClosed();
      return;
    }
    try {
      const sample = await bus.exclusive(() => protocol.poll(bus, stop));
      this.#lastFrameMs = this.#now();
      this.#ok();
      emit(this.#reading(sample));
    } catch (error) {
      if (stop.aborted) return;
      this.#fail(isGatewayError(error) ? error.codeName : 'Error', reasonOf(error));
      if (this.#now() - this.#lastFrameMs >= this.#o.offlineAfterMs) this.#markOffline(reasonOf(error));
    }
  }

  /** The port is not open (unplugged, or never opened since start): the device is offline with it, as on a Modbus bus. */
  #portClosed(): void {
    const reason = `port ${this.#o.bus.config.port} is not open${this.#o.bus.stats().lastError ? `: ${this.#o.bus.stats().lastError}` : ''}`;
    this.#fail('TransportClosed', reason);
    this.#markOffline(reason);
  }

  #ok(): void {
    this.#stats.ok += 1;
    this.#stats.lastOkTsMs = this.#now();
    if (this.#stats.state !== 'online') this.#o.log.info({ device: this.id }, 'serial device online');
    this.#stats.state = 'online';
    this.#offlineAlert.clear(() => deviceOfflineAlert(this.id, 'cleared'));
  }

  /** Counts a failed interval and emits a `bad` reading, so upstream sees the gap as a reading, not as silence. */
  #fail(code: string, reason: string): void {
    this.#stats.errors[code] = (this.#stats.errors[code] ?? 0) + 1;
    this.#stats.lastError = reason;
    this.#o.emit(badReading(this.id, this.kind, this.#o.protocol.points, reason, this.#now()));
  }

  #markOffline(reason: string): void {
    if (this.#stats.state === 'offline') return;
    this.#stats.state = 'offline';
    this.#o.log.warn({ device: this.id, reason }, 'serial device offline');
    this.#offlineAlert.raise(() => deviceOfflineAlert(this.id, 'raised', { where: `port ${this.#o.bus.config.port}`, reason }));
  }

  #reading(sample: Sample): NewReading {
    return { device: this.id, kind: this.kind, tsMs: this.#now(), values: { ...sample.values }, units: { ...sample.units }, quality: 'good' };
  }
}
