import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { NewReading } from '../../core/reading.ts';
import type { AlertSink } from '../../core/alert.ts';
import type { BusHealth, DeviceStats, FieldService } from '../types.ts';
import type { ModbusChannel } from './channel.ts';
import { describeRequest, type ModbusRequest, type ModbusResponse } from './pdu.ts';
import { DeviceSlot } from './device-slot.ts';
import { AlertLatch, busOfflineAlert, deviceOfflineAlert } from '../availability.ts';

/** What a device's poll may do on the bus: single requests with the device's timeout and retries. */
export interface BusTransactor {
  request(unit: number, request: ModbusRequest, options: { timeoutMs: number; retries: number }): Promise<ModbusResponse>;
}

/** `answered`: the device replied (even with exceptions). `silent`: it did not. `bus-error`: the port failed. */
export type PollOutcome = { reading: NewReading; result: 'answered' | 'silent' | 'bus-error'; error?: string };

/** A device woken for a measurement: read it after `deferMs`, leaving the bus to the others meanwhile. */
export type DeferredPoll = { result: 'deferred'; deferMs: number };

/** A device as the scheduler polls it. */
export interface PolledDevice {
  readonly id: string;
  readonly unit: number;
  readonly intervalMs: number;
  /** `probe`: the device is not known to answer; no retries, and nothing more if the first request gets no answer. */
  poll(tx: BusTransactor, mode: 'poll' | 'probe'): Promise<PollOutcome | DeferredPoll>;
  /** A reading with every point null and `_device` giving the reason (nothing was measured). */
  emptyReading(reason: string): NewReading;
}

/** What a bus scheduler is built from (one per configured bus). */
export interface BusSchedulerOptions {
  id: string;
  channel: ModbusChannel;
  log: Logger;
  emit(reading: NewReading): void;
  alert: AlertSink;
  /** Longest wait between probes of a device that stopped answering. */
  maxBackoffMs: number;
  /** Shortest wait before the first probe of a device that stopped answering. */
  minBackoffMs?: number;
}

/** A bus's counters and its devices' counters, for the health topic. */
export interface BusStats {
  bus: string;
  state: 'up' | 'down' | 'stopped';
  transactions: number;
  timeouts: number;
  retries: number;
  portErrors: number;
  /** Unexpected errors caught by the bus loop (a bug if ever non-zero); the loop carried on. */
  loopErrors: number;
  lastPortError: string | null;
  strayFrames: number;
  noiseBytes: number;
  crcErrors: number;
  devices: DeviceStats[];
}

interface UrgentJob {
  run(tx: BusTransactor): Promise<void>;
}

/**
 * The one owner of a physical bus. One transaction at a time with the line's inter-frame silence;
 * devices are polled at their own intervals, earliest due first, so a slow device waits its turn
 * and cannot starve a fast one; a device that stops answering is probed with exponential backoff
 * instead of polled; writes and one-off reads jump the queue at the next free slot. The loop
 * never ends on an error: each failure is counted, logged, turned into a bad reading, and retried.
 */
export class BusScheduler implements FieldService {
  readonly name: string;
  private readonly options: BusSchedulerOptions;
  private readonly slots: DeviceSlot[] = [];
  private readonly urgent: UrgentJob[] = [];
  private running = false;
  private pumping: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private counters = { transactions: 0, timeouts: 0, retries: 0, portErrors: 0, loopErrors: 0 };
  private lastPortError: string | null = null;
  private portDown = false;
  private portRetryMs = 0;
  private readonly tx: BusTransactor;
  /** `bus-offline:{id}` while the port cannot be opened (an unplugged adapter, a gateway off the LAN). */
  private readonly portAlert: AlertLatch;

  constructor(options: BusSchedulerOptions) {
    this.options = options;
    this.portAlert = new AlertLatch(options.alert);
    this.name = `modbus-bus:${options.id}`;
    this.tx = { request: (unit, request, o) => this.request(unit, request, o) };
  }

  /** Adds a device to the poll rotation (before start). */
  add(device: PolledDevice): DeviceSlot {
    const slot = new DeviceSlot(device, { minBackoffMs: this.options.minBackoffMs ?? 2000, maxBackoffMs: this.options.maxBackoffMs });
    this.slots.push(slot);
    return slot;
  }

  async start(signal: AbortSignal): Promise<void> {
    if (this.running) return;
    this.running = true;
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    const now = performance.now();
    for (const slot of this.slots) slot.nextDueMs = now;
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.pumping;
    await this.options.channel.close().catch((error: unknown) => this.options.log.warn({ err: toError(error) }, 'closing the bus failed'));
  }

  /**
   * Runs `job` at the next free slot of the bus, ahead of due polls. Works whether or not the
   * polling loop runs (the `read`/`scan` tools use the bus without polling).
   */
  run<T>(job: (tx: BusTransactor) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (signal?.aborted) return reject(new GatewayError(ErrorCodes.Aborted, 'aborted before the bus was free'));
      this.urgent.push({
        run: async (tx) => {
          if (signal?.aborted) return reject(new GatewayError(ErrorCodes.Aborted, 'aborted before the bus was free'));
          try {
            resolve(await job(tx));
          } catch (error) {
            reject(toError(error));
          }
        },
      });
      this.kick();
    });
  }

  busHealth(): BusHealth {
    const { devices: _perDevice, ...bus } = this.stats();
    return { type: 'modbus', ...bus };
  }

  stats(): BusStats {
    const c = this.options.channel.counters;
    return {
      bus: this.options.id,
      state: !this.running ? 'stopped' : this.portDown ? 'down' : 'up',
      ...this.counters,
      lastPortError: this.lastPortError,
      strayFrames: c.strayFrames,
      noiseBytes: c.noiseBytes,
      crcErrors: c.crcErrors,
      devices: this.slots.map((s) => s.stats()),
    };
  }

  private kick(): void {
    if (this.pumping) return this.wake();
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.urgent.length > 0 || this.running) this.kick();
    });
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  private waitFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, Math.max(0, ms));
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async pump(): Promise<void> {
    while (this.urgent.length > 0 || this.running) {
      try {
        const job = this.urgent.shift();
        if (job) {
          await job.run(this.tx);
          continue;
        }
        const slot = this.nextSlot();
        if (!slot) {
          await this.waitFor(60_000);
          continue;
        }
        const waitMs = slot.nextDueMs - performance.now();
        if (waitMs > 0) {
          await this.waitFor(waitMs);
          continue;
        }
        if (!(await this.ensureOpen())) {
          this.failDueDevices();
          await this.waitFor(this.portRetryMs);
          continue;
        }
        await this.poll(slot);
      } catch (error) {
        // Only a bug gets here; count it and keep the bus alive.
        this.counters.loopErrors++;
        this.options.log.error({ err: toError(error) }, 'unexpected error in the bus loop');
        await this.waitFor(1000);
      }
    }
  }

  private nextSlot(): DeviceSlot | undefined {
    let best: DeviceSlot | undefined;
    for (const slot of this.slots) {
      if (!best || slot.nextDueMs < best.nextDueMs || (slot.nextDueMs === best.nextDueMs && slot.lastStartMs < best.lastStartMs)) best = slot;
    }
    return best;
  }

  private async poll(slot: DeviceSlot): Promise<void> {
    // Retries are for a device known to answer; one that never has or stopped is asked once.
    const mode = slot.state === 'online' ? 'poll' : 'probe';
    slot.lastStartMs = performance.now();
    let outcome: PollOutcome | DeferredPoll;
    try {
      outcome = await slot.device.poll(this.tx, mode);
    } catch (error) {
      this.options.log.error({ err: toError(error), device: slot.device.id }, 'device poll failed unexpectedly');
      outcome = { result: 'bus-error', error: toError(error).message, reading: slot.badReading(toError(error).message) };
    }
    if (outcome.result === 'deferred') {
      slot.nextDueMs = performance.now() + outcome.deferMs;
      return;
    }
    const change = slot.record(outcome, performance.now());
    this.options.emit(outcome.reading);
    if (change === 'offline') {
      this.options.log.warn({ device: slot.device.id, unit: slot.device.unit, error: outcome.error, nextProbeMs: Math.round(slot.nextDueMs - performance.now()) }, 'device stopped answering; probing with backoff');
      this.options.alert(deviceOfflineAlert(slot.device.id, 'raised', { where: `Modbus unit ${slot.device.unit}`, ...(outcome.error ? { reason: outcome.error } : {}) }));
    } else if (change === 'online') {
      this.options.log.info({ device: slot.device.id }, 'device answers again');
      this.options.alert(deviceOfflineAlert(slot.device.id, 'cleared'));
    }
  }

  /** Opens the port if needed; on failure, counts it and backs off (1 s doubling to 30 s). */
  private async ensureOpen(): Promise<boolean> {
    if (this.options.channel.isOpen) return true;
    try {
      await this.options.channel.open();
      if (this.portDown) this.options.log.info({ bus: this.options.id }, 'bus port open again');
      this.portDown = false;
      this.portAlert.clear(() => busOfflineAlert(this.options.id, this.options.channel.description, 'cleared'));
      this.portRetryMs = 0;
      return true;
    } catch (error) {
      const message = toError(error).message;
      this.counters.portErrors++;
      if (!this.portDown || message !== this.lastPortError) this.options.log.error({ bus: this.options.id, err: toError(error) }, 'cannot open the bus port; retrying');
      this.portDown = true;
      this.lastPortError = message;
      this.portAlert.raise(() => busOfflineAlert(this.options.id, this.options.channel.description, 'raised', message));
      this.portRetryMs = Math.min(30_000, this.portRetryMs === 0 ? 1000 : this.portRetryMs * 2);
      return false;
    }
  }

  private failDueDevices(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      if (slot.nextDueMs > now) continue;
      const reading = slot.badReading(`port unavailable: ${this.lastPortError ?? 'unknown'}`);
      const change = slot.record({ result: 'bus-error', reading, error: this.lastPortError ?? undefined }, now);
      this.options.emit(reading);
      // The devices of a bus whose port is gone are offline too, as on a serial sensor's port.
      if (change === 'offline') this.options.alert(deviceOfflineAlert(slot.device.id, 'raised', { where: `Modbus unit ${slot.device.unit}`, reason: `port unavailable: ${this.lastPortError ?? 'unknown'}` }));
    }
  }

  private async request(unit: number, request: ModbusRequest, options: { timeoutMs: number; retries: number }): Promise<ModbusResponse> {
    if (!this.options.channel.isOpen) await this.options.channel.open();
    for (let attempt = 0; ; attempt++) {
      this.counters.transactions++;
      try {
        return await this.options.channel.transact(unit, request, options.timeoutMs);
      } catch (error) {
        if (isGatewayError(error, ErrorCodes.Timeout)) this.counters.timeouts++;
        const retryable = isGatewayError(error) && (error.code === ErrorCodes.Timeout || error.code === ErrorCodes.CrcMismatch || error.code === ErrorCodes.FrameInvalid);
        if (!retryable || attempt >= options.retries) throw error;
        this.counters.retries++;
        this.options.log.debug({ unit, request: describeRequest(request), attempt: attempt + 1, err: toError(error).message }, 'retrying');
      }
    }
  }
}
