import type { BufferConfig } from './config-schema.ts';

/** What the uplink may ask `nextBatch` for right now. */
export interface DrainAllowance {
  maxMessages: number;
  maxBytes: number;
}

/** Seconds of budget a bucket holds. */
const burstS = 0.25;

/**
 * The drain budget of a metered link: token buckets for messages per second and bytes per second
 * (each holding at most a quarter of a second's worth, so a pause does not turn into a burst that
 * a broker or a cellular modem has to absorb), and a cap on
 * QoS 1 messages in flight. The uplink asks `allowance()` before `nextBatch`, reports what it
 * published with `spend()`, and waits `waitMs()` when the allowance is empty. History batching
 * is what makes a backlog cheap: 500 readings in one message cost one message of the budget.
 * Time is the monotonic clock: a step of the wall clock neither stalls nor bursts the drain.
 */
export class DrainBudget {
  private readonly messagesPerSecond: number;
  private readonly bytesPerSecond: number;
  private readonly inflightMax: number;
  private messageTokens: number;
  private byteTokens: number;
  private refilledAtMs: number;
  /** Bucket sizes. */
  private readonly messageBurst: number;
  private readonly byteBurst: number;

  constructor(drain: BufferConfig['drain'], nowMs: number = performance.now()) {
    this.messagesPerSecond = drain.messagesPerSecond;
    this.bytesPerSecond = drain.bytesPerSecond;
    this.inflightMax = drain.inflight;
    this.messageBurst = Math.max(1, drain.messagesPerSecond * burstS);
    this.byteBurst = Math.max(1, drain.bytesPerSecond * burstS);
    this.messageTokens = this.messageBurst;
    this.byteTokens = this.byteBurst;
    this.refilledAtMs = nowMs;
  }

  /** How much may be handed out now, given the messages still awaiting their PUBACK. */
  allowance(inflight: number, nowMs: number = performance.now()): DrainAllowance {
    this.refill(nowMs);
    const maxMessages = Math.max(0, Math.min(Math.floor(this.messageTokens), this.inflightMax - inflight));
    const maxBytes = Math.max(0, Math.floor(this.byteTokens));
    // A message bigger than one second's byte budget must still go out eventually: let it through
    // when the bucket is full, and the debt is paid back before anything else is sent.
    return maxBytes <= 0 ? { maxMessages: 0, maxBytes: 0 } : { maxMessages, maxBytes };
  }

  spend(messages: number, bytes: number): void {
    this.messageTokens -= messages;
    this.byteTokens -= bytes;
  }

  /** How long until at least one message and some bytes are allowed again. */
  waitMs(nowMs: number = performance.now()): number {
    this.refill(nowMs);
    const forMessages = this.messageTokens >= 1 ? 0 : ((1 - this.messageTokens) / this.messagesPerSecond) * 1000;
    const forBytes = this.byteTokens > 0 ? 0 : ((1 - this.byteTokens) / this.bytesPerSecond) * 1000;
    return Math.ceil(Math.max(forMessages, forBytes));
  }

  private refill(nowMs: number): void {
    const elapsedS = Math.max(0, nowMs - this.refilledAtMs) / 1000;
    this.refilledAtMs = nowMs;
    this.messageTokens = Math.min(this.messageBurst, this.messageTokens + elapsedS * this.messagesPerSecond);
    this.byteTokens = Math.min(this.byteBurst, this.byteTokens + elapsedS * this.bytesPerSecond);
  }
}
