import { ErrorCodes, GatewayError, toError } from '../../core/errors.ts';
import { guarded, type Logger } from '../../core/log.ts';
import type { ByteLink } from '../transport/types.ts';
import { newCounters, PendingTransaction, sleep, timeoutError, traceFrame, type ChannelCounters, type ModbusChannel } from './channel.ts';
import { decodeResponse, encodeRequest, type ModbusRequest, type ModbusResponse } from './pdu.ts';

/** What a Modbus TCP channel is built from. */
export interface TcpChannelOptions {
  link: ByteLink;
  log: Logger;
  silenceMs?: number;
}

/**
 * Modbus TCP (MBAP header) over a TCP link. Replies are matched by transaction id and unit, so a
 * late reply to a timed-out request is recognised and dropped.
 */
export class TcpChannel implements ModbusChannel {
  readonly description: string;
  readonly silenceMs: number;
  readonly counters: ChannelCounters = newCounters();
  private readonly link: ByteLink;
  private readonly log: Logger;
  private rx: Buffer = Buffer.alloc(0);
  private pending: PendingTransaction | undefined;
  private pendingTid = -1;
  private nextTid = 1;
  private quietUntilMs = 0;

  constructor(options: TcpChannelOptions) {
    this.link = options.link;
    this.log = options.log;
    this.description = `tcp ${options.link.description}`;
    this.silenceMs = options.silenceMs ?? 0;
  }

  get isOpen(): boolean {
    return this.link.isOpen;
  }

  async open(): Promise<void> {
    this.link.setHandlers({
      // A decoding bug must not escape the port's event handler (it would end the process).
      data: guarded(this.log, 'modbus rx', (chunk: Buffer) => this.onData(chunk)),
      closed: guarded(this.log, 'modbus link closed', (error?: Error) => {
        this.rx = Buffer.alloc(0);
        this.pending?.reject(new GatewayError(ErrorCodes.TransportClosed, `${this.link.description} closed${error ? `: ${error.message}` : ''}`, { cause: error }));
      }),
    });
    this.rx = Buffer.alloc(0);
    await this.link.open();
  }

  async transact(unit: number, request: ModbusRequest, timeoutMs: number): Promise<ModbusResponse> {
    if (this.pending && !this.pending.settled) throw new GatewayError(ErrorCodes.PortBusy, 'a transaction is already in progress on this channel');
    await sleep(this.quietUntilMs - performance.now());
    if (!this.link.isOpen) await this.open();
    const pdu = encodeRequest(request);
    const tid = this.nextTid;
    this.nextTid = (this.nextTid % 0xffff) + 1;
    const header = Buffer.alloc(7);
    header.writeUInt16BE(tid, 0);
    header.writeUInt16BE(0, 2);
    header.writeUInt16BE(pdu.length + 1, 4);
    header.writeUInt8(unit, 6);
    const frame = Buffer.concat([header, pdu]);
    const reply = new Promise<ModbusResponse>((resolve, reject) => {
      this.pending = new PendingTransaction(unit, request, { resolve, reject });
    });
    // The answer (or an exception reply) can arrive while the write is still completing, before
    // `await reply` below: mark the rejection handled now; the await still sees it.
    reply.catch(() => undefined);
    const pending = this.pending!;
    this.pendingTid = tid;
    traceFrame(this.log, 'tx', frame);
    try {
      await this.link.write(frame);
      pending.arm(timeoutMs, () => pending.reject(timeoutError(unit, request, timeoutMs, this.link)));
      return await reply;
    } catch (error) {
      pending.reject(toError(error));
      throw error;
    } finally {
      this.quietUntilMs = performance.now() + this.silenceMs;
      this.pending = undefined;
      this.pendingTid = -1;
    }
  }

  private onData(chunk: Buffer): void {
    traceFrame(this.log, 'rx', chunk);
    this.rx = this.rx.length === 0 ? chunk : Buffer.concat([this.rx, chunk]);
    while (this.rx.length >= 7) {
      const length = this.rx.readUInt16BE(4);
      if (this.rx.readUInt16BE(2) !== 0 || length < 2 || length > 254) {
        // Not an MBAP stream any more: nothing after this point can be trusted.
        this.counters.noiseBytes += this.rx.length;
        this.rx = Buffer.alloc(0);
        return;
      }
      const total = 6 + length;
      if (this.rx.length < total) return;
      const frame = this.rx.subarray(0, total);
      this.rx = this.rx.subarray(total);
      const tid = frame.readUInt16BE(0);
      const unit = frame[6]!;
      const pending = this.pending;
      if (!pending || pending.settled || tid !== this.pendingTid || unit !== pending.unit) {
        this.counters.strayFrames++;
        this.log.debug({ tid, unit, expectedTid: this.pendingTid }, 'dropped a reply that does not answer the request in progress');
        continue;
      }
      try {
        pending.resolve(decodeResponse(pending.request, Buffer.from(frame.subarray(7))));
      } catch (error) {
        pending.reject(toError(error));
      }
    }
  }

  async close(): Promise<void> {
    this.pending?.reject(new GatewayError(ErrorCodes.TransportClosed, `${this.link.description} closed by the gateway`));
    await this.link.close();
  }
}
