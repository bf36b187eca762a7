import { ErrorCodes, GatewayError, isGatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { worseQuality, type NewReading, type PointValue, type Quality, type ReadingKind } from '../../core/reading.ts';
import type { DeviceStats, FieldDevice, WriteRequest, WriteResult } from '../types.ts';
import { decodePoint, encodePoint } from './codecs.ts';
import { coalesce, sliceFor, type CoalescePolicy, type ReadBlock } from './coalesce.ts';
import type { ModbusPointConfig } from './config-schema.ts';
import type { DeviceSlot } from './device-slot.ts';
import { badReading } from '../availability.ts';
import type { ModbusRequest } from './pdu.ts';
import type { BusScheduler, BusTransactor, DeferredPoll, PolledDevice, PollOutcome } from './scheduler.ts';

/** Everything a Modbus device needs, resolved from its config entry and its profile. */
export interface ModbusDeviceSettings {
  id: string;
  unit: number;
  kind: ReadingKind;
  profile: string;
  intervalMs: number;
  timeoutMs: number;
  retries: number;
  points: ModbusPointConfig[];
  policy: CoalescePolicy;
  /** The read requests one poll makes (coalesce(points, policy), planned when the config loads). */
  blocks: ReadBlock[];
  /** A read that starts a measurement, and how long to wait before reading the points. */
  wake: { fc: 3 | 4; address: number; count: number; waitMs: number } | undefined;
}

/** The reason text a point carries when its read failed. */
export function failureReason(error: unknown): string {
  if (isGatewayError(error)) {
    switch (error.code) {
      case ErrorCodes.Timeout:
        return 'timeout';
      case ErrorCodes.CrcMismatch:
        return 'crc error';
      case ErrorCodes.ModbusException:
        return error.message;
      case ErrorCodes.FrameInvalid:
        return `invalid reply: ${error.message}`;
      default:
        return `port: ${error.message}`;
    }
  }
  return `error: ${toError(error).message}`;
}

function isSilence(error: unknown): boolean {
  return isGatewayError(error) && (error.code === ErrorCodes.Timeout || error.code === ErrorCodes.CrcMismatch || error.code === ErrorCodes.FrameInvalid);
}

/** One Modbus device on a bus: polled by its bus's scheduler, written through it, read on demand. */
export class ModbusDevice implements FieldDevice, PolledDevice {
  readonly id: string;
  readonly kind: ReadingKind;
  readonly unit: number;
  readonly intervalMs: number;
  readonly settings: ModbusDeviceSettings;
  private readonly scheduler: BusScheduler;
  private readonly log: Logger;
  private blocks: ReadBlock[];
  private slot: DeviceSlot | undefined;
  /** Whether a measurement was started and the points are due next. */
  private woken = false;

  constructor(settings: ModbusDeviceSettings, scheduler: BusScheduler, log: Logger) {
    this.settings = settings;
    this.id = settings.id;
    this.kind = settings.kind;
    this.unit = settings.unit;
    this.intervalMs = settings.intervalMs;
    this.scheduler = scheduler;
    this.log = log;
    this.blocks = settings.blocks;
  }

  /** Joins the bus's rotation (the family calls this once). */
  attach(slot: DeviceSlot): void {
    this.slot = slot;
  }

  /** The read requests one poll makes, in order. */
  get readBlocks(): readonly ReadBlock[] {
    return this.blocks;
  }

  emptyReading(reason: string): NewReading {
    return badReading(this.id, this.kind, Object.fromEntries(this.settings.points.map((p) => [p.name, p.unit])), reason);
  }

  private units(): Record<string, string> {
    const units: Record<string, string> = {};
    for (const p of this.settings.points) if (p.unit) units[p.name] = p.unit;
    return units;
  }

  async poll(tx: BusTransactor, mode: 'poll' | 'probe'): Promise<PollOutcome | DeferredPoll> {
    const wake = this.settings.wake;
    if (wake && !this.woken) {
      try {
        await tx.request(this.unit, { fc: wake.fc, address: wake.address, count: wake.count }, { timeoutMs: this.settings.timeoutMs, retries: mode === 'probe' ? 0 : this.settings.retries });
      } catch (error) {
        // An exception still means the device heard us (some answer the wake-up read that way).
        if (!isGatewayError(error, ErrorCodes.ModbusException)) {
          const reason = failureReason(error);
          return { reading: this.emptyReading(reason), result: isSilence(error) ? 'silent' : 'bus-error', error: reason };
        }
      }
      this.woken = true;
      return { result: 'deferred', deferMs: wake.waitMs };
    }
    this.woken = false;
    return this.readPoints(tx, mode);
  }

  private async readPoints(tx: BusTransactor, mode: 'poll' | 'probe'): Promise<PollOutcome> {
    const tsMs = Date.now();
    const values: Record<string, PointValue> = {};
    const reasons: Record<string, string> = {};
    let quality: Quality = 'good';
    let answered = false;
    let busError: string | undefined;
    let firstError: string | undefined;
    const retries = mode === 'probe' ? 0 : this.settings.retries;
    const queue = [...this.blocks];
    for (let block = queue.shift(); block; block = queue.shift()) {
      // A device that has not answered its first request is not asked the rest: it would only cost bus time.
      if (!answered && firstError !== undefined) {
        for (const p of block.points) {
          values[p.name] = null;
          reasons[p.name] = firstError;
        }
        continue;
      }
      try {
        const reply = await tx.request(this.unit, { fc: block.fc, address: block.address, count: block.count }, { timeoutMs: this.settings.timeoutMs, retries });
        answered = true;
        for (const p of block.points) {
          const decoded = decodePoint(p, sliceFor(block, p, reply));
          values[p.name] = decoded.value;
          if (decoded.reason) reasons[p.name] = decoded.reason;
          quality = worseQuality(quality, decoded.quality);
        }
      } catch (error) {
        const reason = failureReason(error);
        if (isGatewayError(error, ErrorCodes.ModbusException)) {
          answered = true;
          const split = this.split(block, error);
          if (split.length > 0) {
            queue.unshift(...split);
            continue;
          }
        } else if (!isSilence(error)) busError ??= reason;
        firstError ??= reason;
        for (const p of block.points) {
          values[p.name] = null;
          reasons[p.name] = reason;
        }
        quality = 'bad';
      }
    }
    const reading: NewReading = { device: this.id, kind: this.kind, tsMs, values, units: this.units(), quality };
    if (Object.keys(reasons).length > 0) reading.reasons = reasons;
    const result = answered ? 'answered' : busError ? 'bus-error' : 'silent';
    return firstError === undefined ? { reading, result } : { reading, result, error: firstError };
  }

  /**
   * A device that refuses a coalesced read across unmapped registers (exception 2) gets the
   * block's points read one by one from now on, instead of losing all of them every poll.
   */
  private split(block: ReadBlock, error: GatewayError): ReadBlock[] {
    if (error.context?.exceptionCode !== 2 || block.points.length < 2) return [];
    const pieces = coalesce(block.points, { maxRegistersPerRead: this.settings.policy.maxRegistersPerRead, maxGap: -1 });
    if (pieces.length < 2) return [];
    this.blocks = this.blocks.flatMap((b) => (b === block ? pieces : [b]));
    this.log.info({ address: block.address, count: block.count, reads: pieces.length }, 'device refused a combined read; reading those points separately');
    return pieces;
  }

  async readOnce(signal?: AbortSignal): Promise<NewReading> {
    // A device that must be woken first answers the first poll with a deferral: let the bus serve
    // others while it measures, then poll again. (The polling loop may have woken it already.)
    for (let attempt = 0; attempt < 3; attempt++) {
      const outcome = await this.scheduler.run((tx) => this.poll(tx, 'poll'), signal);
      if (outcome.result !== 'deferred') return outcome.reading;
      await new Promise((resolve) => setTimeout(resolve, outcome.deferMs));
    }
    throw new GatewayError(ErrorCodes.DeviceOffline, `${this.id}: woken three times but never read (is the poll interval shorter than the wake-up wait?)`);
  }

  async write(request: WriteRequest, signal?: AbortSignal): Promise<WriteResult> {
    const point = this.settings.points.find((p) => p.name === request.point);
    if (!point) throw new GatewayError(ErrorCodes.UsageError, `device ${this.id} has no point "${request.point}" (points: ${this.settings.points.map((p) => p.name).join(', ')})`);
    if (!point.writable) throw new GatewayError(ErrorCodes.UsageError, `point ${this.id}.${point.name} is not writable (set writable: true in the profile if the device allows it)`);
    const encoded = encodePoint(point, request.value);
    const writeRequest = this.writeRequest(point, encoded);
    return this.scheduler.run(async (tx) => {
      const startMs = performance.now();
      const options = { timeoutMs: this.settings.timeoutMs, retries: this.settings.retries };
      await tx.request(this.unit, writeRequest, options);
      let value: PointValue = request.value;
      let verified = false;
      if (point.verifyWrite) {
        const [block] = coalesce([point], { maxRegistersPerRead: 125, maxGap: 0 });
        const reply = await tx.request(this.unit, { fc: block!.fc, address: block!.address, count: block!.count }, options);
        const back = decodePoint(point, sliceFor(block!, point, reply));
        const matches = 'bit' in encoded ? reply.bits?.[0] === encoded.bit : reply.registers?.every((r, i) => r === encoded.registers[i]) === true;
        if (!matches) {
          throw new GatewayError(ErrorCodes.WriteVerifyFailed, `${this.id}.${point.name}: wrote ${String(request.value)} but read back ${String(back.value)}`, { context: { device: this.id, point: point.name, wrote: request.value, readBack: back.value } });
        }
        value = back.value;
        verified = true;
      }
      this.log.info({ point: point.name, value, verified, fc: writeRequest.fc }, 'point written');
      return { device: this.id, point: point.name, value, verified, durationMs: Math.round(performance.now() - startMs) };
    }, signal);
  }

  private writeRequest(point: ModbusPointConfig, encoded: { registers: number[] } | { bit: boolean }): ModbusRequest {
    if ('bit' in encoded) {
      return (point.writeFunction ?? 5) === 15 ? { fc: 15, address: point.address, values: [encoded.bit] } : { fc: 5, address: point.address, value: encoded.bit };
    }
    const fc = point.writeFunction ?? (encoded.registers.length === 1 ? 6 : 16);
    if (fc === 6 && encoded.registers.length === 1) return { fc: 6, address: point.address, value: encoded.registers[0]! };
    return { fc: 16, address: point.address, values: encoded.registers };
  }

  stats(): DeviceStats {
    return this.slot?.stats() ?? { device: this.id, state: 'unknown', polls: 0, ok: 0, errors: {}, lastOkTsMs: null, lastError: null };
  }
}
