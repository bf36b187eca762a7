/**
 * Which broker the uplink tries next, and after how long.
 *
 * A city runs its broker as a cluster and lists every node in `uplink.url`. When the node a gateway
 * is connected to goes away, the gateway tries the other nodes at once, in an order of its own
 * (shuffled per gateway, so the fleet that was on the lost node spreads over the survivors instead
 * of stampeding the next one in the list). Only when every node has refused does it wait: an
 * exponential backoff from `reconnectMin` to `reconnectMax` with jitter (each wait is drawn from
 * [backoff/2, backoff]), so a fleet that lost the whole cluster does not come back in lockstep, and
 * a returning broker is found within `reconnectMax` plus one connect.
 *
 * A connection that drops within `stableAfterMs` (1 s) of coming up does not reset the backoff and
 * is followed by a wait: a broker that accepts and at once kicks the gateway out (a refused login
 * or topic) cannot pull the fleet into a tight loop.
 */
export interface BrokerAttempt {
  url: string;
  /** How long to wait before connecting (0: at once). */
  delayMs: number;
}

export interface FailoverOptions {
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Uniform in [0, 1); injectable so tests can fix the shuffles and the jitter. */
  random?: () => number;
  /** Monotonic milliseconds; injectable for tests. */
  now?: () => number;
  /** A connection that lasted this long counts as good: its loss fails over at once. */
  stableAfterMs?: number;
}

/** Fisher-Yates with the given source of randomness. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export class BrokerFailover {
  readonly #urls: readonly string[];
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;
  readonly #now: () => number;
  readonly #stableAfterMs: number;
  /** Brokers still to try, in order, before the next wait. */
  #round: string[] = [];
  #current: string | null = null;
  #backoffMs: number;
  #connectedAtMs: number | null = null;

  constructor(urls: readonly string[], options: FailoverOptions) {
    if (urls.length === 0) throw new RangeError('at least one broker URL is needed');
    this.#urls = urls;
    this.#minMs = Math.max(1, options.reconnectMinMs);
    this.#maxMs = Math.max(this.#minMs, options.reconnectMaxMs);
    this.#random = options.random ?? Math.random;
    this.#now = options.now ?? (() => performance.now());
    this.#stableAfterMs = options.stableAfterMs ?? 1000;
    this.#backoffMs = this.#minMs;
  }

  /** The broker currently connected to or being tried. */
  get current(): string | null {
    return this.#current;
  }

  /** The first attempt: every broker in a shuffled order, starting at once. */
  start(): BrokerAttempt {
    this.#connectedAtMs = null;
    this.#backoffMs = this.#minMs;
    this.#round = shuffled(this.#urls, this.#random);
    return this.#take(0);
  }

  /** The current broker accepted the connection. */
  connected(): void {
    this.#connectedAtMs = this.#now();
  }

  /** The connection (or the attempt) to the current broker ended: the next attempt. */
  failed(): BrokerAttempt {
    let atOnce = true;
    if (this.#connectedAtMs !== null) {
      const stable = this.#now() - this.#connectedAtMs >= this.#stableAfterMs;
      this.#connectedAtMs = null;
      if (stable) this.#backoffMs = this.#minMs;
      atOnce = stable;
      // A new round: the other brokers first; the lost one only after a wait.
      this.#round = shuffled(
        this.#urls.filter((url) => url !== this.#current),
        this.#random,
      );
    }
    if (atOnce && this.#round.length > 0) return this.#take(0);
    const delayMs = this.#jitteredBackoff();
    if (this.#round.length === 0) this.#round = shuffled(this.#urls, this.#random);
    return this.#take(delayMs);
  }

  #take(delayMs: number): BrokerAttempt {
    const url = this.#round.shift()!;
    this.#current = url;
    return { url, delayMs };
  }

  /** A wait in [backoff/2, backoff]; the backoff then doubles up to the maximum. */
  #jitteredBackoff(): number {
    const backoffMs = this.#backoffMs;
    this.#backoffMs = Math.min(this.#maxMs, this.#backoffMs * 2);
    return Math.round(backoffMs / 2 + this.#random() * (backoffMs / 2));
  }
}
