import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { guarded, type Logger } from '../../core/log.ts';
import type { ByteLink } from '../transport/types.ts';
import { crcValid, withCrc } from './crc.ts';
import { newCounters, PendingTransaction, sleep, timeoutError, traceFrame, type ChannelCounters, type ModbusChannel } from './channel.ts';
import { decodeResponse, encodeRequest, expectedRtuReplyBytes, replyPduLength, type ModbusRequest, type ModbusResponse } from './pdu.ts';

/** What an RTU channel is built from. */
export interface RtuChannelOptions {
  link: ByteLink;
  log: Logger;
  /** Overrides the 3.5-character silence computed from the line settings. */
  silenceMs?: number;
}

/** 3.5 character times, and the spec's fixed 1.75 ms above 19200 baud. */
export function rtuSilenceMs(baud: number, bitsPerChar: number): number {
  return baud > 19_200 ? 1.75 : (3.5 * bitsPerChar * 1000) / baud;
}

/**
 * Modbus RTU framing over a serial line or a raw TCP socket to a serial device server.
 *
 * Unlike a buffered port that hands the next bytes to whoever asks, a reply is accepted only if it
 * is a complete frame with a valid CRC from the unit and function just asked. Anything else (a late
 * reply to an earlier, timed-out request; garbage; a frame from another unit) is counted and
 * dropped. After a timeout or a CRC error, input is flushed and the line is kept silent before the
 * next frame, so a late reply cannot be taken as the next answer.
 */
export class RtuChannel implements ModbusChannel {
  readonly description: string;
  readonly silenceMs: number;
  readonly counters: ChannelCounters = newCounters();
  private readonly link: ByteLink;
  private readonly log: Logger;
  private rx: Buffer = Buffer.alloc(0);
  private pending: PendingTransaction | undefined;
  private quietUntilMs = 0;
  private crcSeen = false;

  constructor(options: RtuChannelOptions) {
    this.link = options.link;
    this.log = options.log;
    this.description = `rtu ${options.link.description}`;
    const { baud, bitsPerChar } = options.link;
    this.silenceMs = options.silenceMs ?? (baud && bitsPerChar ? rtuSilenceMs(baud, bitsPerChar) : 2);
  }

  get isOpen(): boolean {
    return this.link.isOpen;
  }

  async open(): Promise<void> {
    this.link.setHandlers({
      // A decoding bug must not escape the port's event handler (it would end the process).
      data: guarded(this.log, 'modbus rx', (chunk: Buffer) => this.onData(chunk)),
      closed: guarded(this.log, 'modbus port closed', (error?: Error) => this.pending?.reject(new GatewayError(ErrorCodes.TransportClosed, `${this.link.description} closed${error ? `: ${error.message}` : ''}`, { cause: error })),
      ),
    });
    await this.link.open();
  }

  /** Time the line needs to carry `bytes` characters (0 when the link has no baud rate). */
  private wireMs(bytes: number): number {
    const { baud, bitsPerChar } = this.link;
    return baud && bitsPerChar ? (bytes * bitsPerChar * 1000) / baud : 0;
  }

  async transact(unit: number, request: ModbusRequest, timeoutMs: number): Promise<ModbusResponse> {
    if (this.pending && !this.pending.settled) throw new GatewayError(ErrorCodes.PortBusy, 'a transaction is already in progress on this channel');
    await sleep(this.quietUntilMs - performance.now());
    if (!this.link.isOpen) await this.open();
    const pdu = encodeRequest(request);
    const frame = withCrc(Buffer.concat([Buffer.from([unit]), pdu]));
    if (this.rx.length > 0) {
      this.counters.noiseBytes += this.rx.length;
      this.rx = Buffer.alloc(0);
    }
    this.crcSeen = false;
    const reply = new Promise<ModbusResponse>((resolve, reject) => {
      this.pending = new PendingTransaction(unit, request, { resolve, reject });
    });
    // The answer (or an exception reply) can arrive while the write is still completing, before
    // `await reply` below: mark the rejection handled now; the await still sees it.
    reply.catch(() => undefined);
    const pending = this.pending!;
    traceFrame(this.log, 'tx', frame);
    try {
      await this.link.write(frame);
      // The timeout is the device's time to answer: the deadline adds the time the request and a
      // full reply take on the wire (a 125-register reply is ~300 ms at 9600 baud).
      pending.arm(timeoutMs + this.wireMs(frame.length + expectedRtuReplyBytes(request)), () => {
        if (this.crcSeen) {
          this.counters.crcErrors++;
          pending.reject(new GatewayError(ErrorCodes.CrcMismatch, `unit ${unit}: reply with a bad CRC on ${this.link.description}`, { context: { unit, fc: request.fc } }));
        } else {
          pending.reject(timeoutError(unit, request, timeoutMs, this.link));
        }
      });
      return await reply;
    } catch (error) {
      pending.reject(toError(error));
      if (error instanceof GatewayError && (error.code === ErrorCodes.Timeout || error.code === ErrorCodes.CrcMismatch)) await this.quieten();
      throw error;
    } finally {
      this.quietUntilMs = Math.max(this.quietUntilMs, performance.now() + this.silenceMs);
      this.pending = undefined;
    }
  }

  /** After a failed transaction: drop what is buffered and keep the line silent a little longer. */
  private async quieten(): Promise<void> {
    this.counters.flushes++;
    await this.link.flushInput();
    this.counters.noiseBytes += this.rx.length;
    this.rx = Buffer.alloc(0);
    this.quietUntilMs = performance.now() + Math.max(this.silenceMs * 2, 5);
  }

  private onData(chunk: Buffer): void {
    traceFrame(this.log, 'rx', chunk);
    const pending = this.pending;
    if (!pending || pending.settled) {
      // Nobody is waiting: this is a late reply or noise. Counted, never kept for the next request.
      this.counters.noiseBytes += chunk.length;
      return;
    }
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    this.scan(pending);
  }

  /**
   * Looks for complete frames with a valid CRC anywhere in the buffer: noise in front of a reply
   * (or a noise byte that looks like the start of a long frame) must not hide the reply. Frames
   * that do not answer the request in progress are counted and dropped.
   */
  private scan(pending: PendingTransaction): void {
    for (;;) {
      const found = this.findFrame(pending);
      if (!found) {
        if (this.rx.length > 512) this.skip(this.rx.length - 256);
        return;
      }
      if (found.start > 0) this.skip(found.start);
      const frame = this.rx.subarray(0, found.total);
      this.rx = this.rx.subarray(found.total);
      const unit = frame[0]!;
      const fc = frame[1]!;
      if (unit !== pending.unit || (fc & 0x7f) !== pending.request.fc || !this.fitsRequest(frame, pending.request)) {
        this.counters.strayFrames++;
        this.log.debug({ unit, fc, expectedUnit: pending.unit, expectedFc: pending.request.fc }, 'dropped a frame that does not answer the request in progress');
        continue;
      }
      try {
        pending.resolve(decodeResponse(pending.request, Buffer.from(frame.subarray(1, found.total - 2))));
      } catch (error) {
        pending.reject(toError(error));
      }
      return;
    }
  }

  private findFrame(pending: PendingTransaction): { start: number; total: number } | undefined {
    for (let start = 0; start + 4 <= this.rx.length; start++) {
      const pduLength = replyPduLength(this.rx.subarray(start + 1));
      if (pduLength === undefined || pduLength < 0) continue;
      const total = 1 + pduLength + 2;
      if (start + total > this.rx.length) continue;
      const frame = this.rx.subarray(start, start + total);
      if (crcValid(frame)) return { start, total };
      if (frame[0] === pending.unit && (frame[1]! & 0x7f) === pending.request.fc) this.crcSeen = true;
    }
    return undefined;
  }

  /** A read reply must carry the byte count asked for; one that does not answers another request. */
  private fitsRequest(frame: Buffer, request: ModbusRequest): boolean {
    const fc = frame[1]!;
    if (fc & 0x80) return true;
    if (request.fc === 3 || request.fc === 4) return frame[2] === 2 * request.count;
    if (request.fc === 1 || request.fc === 2) return frame[2] === Math.ceil(request.count / 8);
    if (request.fc === 5 || request.fc === 6 || request.fc === 15 || request.fc === 16) return frame.readUInt16BE(2) === request.address;
    return true;
  }

  private skip(bytes: number): void {
    this.counters.noiseBytes += bytes;
    this.rx = this.rx.subarray(bytes);
  }

  async close(): Promise<void> {
    this.pending?.reject(new GatewayError(ErrorCodes.TransportClosed, `${this.link.description} closed by the gateway`));
    await this.link.close();
  }
}
