import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { ByteLink } from '../transport/types.ts';
import type { ModbusRequest, ModbusResponse } from './pdu.ts';

/** Counters of what arrived on a bus that was not an answer to the request in progress. */
export interface ChannelCounters {
  /** Complete, valid frames that answered an earlier (timed-out) request or another unit. */
  strayFrames: number;
  /** Bytes that could not be part of any frame (line noise, garbage, a half frame). */
  noiseBytes: number;
  crcErrors: number;
  flushes: number;
}

/**
 * One Modbus framing (RTU or TCP/MBAP) over one ByteLink. A channel runs exactly one transaction
 * at a time; the bus scheduler is its only caller. `transact` is a single attempt: retries and
 * backoff are the scheduler's decisions.
 */
export interface ModbusChannel {
  readonly description: string;
  /** Silence kept between the end of one transaction and the next frame. */
  readonly silenceMs: number;
  readonly counters: ChannelCounters;
  readonly isOpen: boolean;
  open(): Promise<void>;
  transact(unit: number, request: ModbusRequest, timeoutMs: number): Promise<ModbusResponse>;
  close(): Promise<void>;
}

/** Counters at zero, for a new channel. */
export function newCounters(): ChannelCounters {
  return { strayFrames: 0, noiseBytes: 0, crcErrors: 0, flushes: 0 };
}

/** Resolves after `ms` (at once for zero or less). */
export function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** The request in progress: settled once, by a reply, an error or its deadline. */
export class PendingTransaction {
  readonly unit: number;
  readonly request: ModbusRequest;
  private readonly settle: { resolve(r: ModbusResponse): void; reject(e: Error): void };
  private timer: NodeJS.Timeout | undefined;
  settled = false;

  constructor(unit: number, request: ModbusRequest, settle: { resolve(r: ModbusResponse): void; reject(e: Error): void }) {
    this.unit = unit;
    this.request = request;
    this.settle = settle;
  }

  arm(timeoutMs: number, onTimeout: () => void): void {
    this.timer = setTimeout(() => {
      try {
        onTimeout();
      } catch (error) {
        // Settling a transaction cannot fail in practice; if it ever does, the request still ends.
        this.reject(toError(error));
      }
    }, timeoutMs);
  }

  resolve(response: ModbusResponse): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.settle.resolve(response);
  }

  reject(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.settle.reject(error);
  }
}

/** The Timeout error of a request nobody answered, naming unit, function and link. */
export function timeoutError(unit: number, request: ModbusRequest, timeoutMs: number, link: ByteLink): GatewayError {
  return new GatewayError(ErrorCodes.Timeout, `unit ${unit} did not answer FC${request.fc} within ${timeoutMs} ms on ${link.description}`, { context: { unit, fc: request.fc, timeoutMs } });
}

/** Frame hex dumps, only at trace level (they are large and frequent). */
export function traceFrame(log: Logger, direction: 'tx' | 'rx', bytes: Uint8Array): void {
  if (log.isLevelEnabled('trace')) log.trace({ [direction]: Buffer.from(bytes).toString('hex') }, direction === 'tx' ? 'frame sent' : 'bytes received');
}
