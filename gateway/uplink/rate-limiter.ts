/**
 * Token buckets for the drain budget: messages per second and bytes per second, so a three-day
 * backlog does not saturate a metered cellular link or the broker. Bursts up to one second's budget.
 */
export class DrainBudget {
  readonly #messagesPerSecond: number;
  readonly #bytesPerSecond: number;
  #messageTokens: number;
  #byteTokens: number;
  #lastRefillMs: number;
  readonly #now: () => number;

  constructor(messagesPerSecond: number, bytesPerSecond: number, now: () => number = () => performance.now()) {
    this.#messagesPerSecond = messagesPerSecond;
    this.#bytesPerSecond = bytesPerSecond;
    this.#messageTokens = messagesPerSecond;
    this.#byteTokens = bytesPerSecond;
    this.#now = now;
    this.#lastRefillMs = now();
  }

  #refill(): void {
    const nowMs = this.#now();
    const elapsedS = (nowMs - this.#lastRefillMs) / 1000;
    this.#lastRefillMs = nowMs;
    this.#messageTokens = Math.min(this.#messagesPerSecond, this.#messageTokens + elapsedS * this.#messagesPerSecond);
    this.#byteTokens = Math.min(this.#bytesPerSecond, this.#byteTokens + elapsedS * this.#bytesPerSecond);
  }

  /** How many messages may go now (at least one when any budget is left, so a large message still moves). */
  messagesAvailable(): number {
    this.#refill();
    return this.#messageTokens >= 1 && this.#byteTokens > 0 ? Math.floor(this.#messageTokens) : 0;
  }

  bytesAvailable(): number {
    this.#refill();
    return Math.max(0, Math.floor(this.#byteTokens));
  }

  take(messages: number, bytes: number): void {
    this.#messageTokens -= messages;
    this.#byteTokens -= bytes;
  }

  /** Milliseconds until at least one message and some bytes are available again. */
  waitMs(): number {
    this.#refill();
    const forMessage = this.#messageTokens >= 1 ? 0 : ((1 - this.#messageTokens) / this.#messagesPerSecond) * 1000;
    const forBytes = this.#byteTokens > 0 ? 0 : ((1 - this.#byteTokens) / this.#bytesPerSecond) * 1000;
    return Math.ceil(Math.max(forMessage, forBytes, 1));
  }
}
