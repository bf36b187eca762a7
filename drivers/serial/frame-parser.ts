/**
 * The common shape of the serial frame parsers: bytes go in as they arrive (in any chunking),
 * whole checked frames come out. A parser never throws on input: garbage is counted and skipped
 * byte by byte until a header lines up again, a bad checksum drops the candidate frame, and a
 * partial frame waits for the rest (or is dropped by `reset()` when the port reopens).
 */
export interface ParserStats {
  frames: number;
  checksumErrors: number;
  /** Frames with a good checksum whose content is impossible (PM1 above PM10, a bad field). */
  invalidFrames: number;
  discardedBytes: number;
}

export interface FrameParser<T> {
  push(chunk: Uint8Array): T[];
  /** Forgets buffered bytes (after a reopen a partial frame must never join a new one). */
  reset(): void;
  readonly stats: ParserStats;
}

export function emptyStats(): ParserStats {
  return { frames: 0, checksumErrors: 0, invalidFrames: 0, discardedBytes: 0 };
}

/** An append-and-consume byte buffer with a cap, so a stream of noise cannot grow memory. */
export class ByteQueue {
  #buf: Buffer = Buffer.alloc(0);
  readonly #maxBytes: number;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get length(): number {
    return this.#buf.length;
  }

  get bytes(): Buffer {
    return this.#buf;
  }

  /** Appends; returns how many old bytes were dropped to stay under the cap. */
  append(chunk: Uint8Array): number {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const over = this.#buf.length - this.#maxBytes;
    if (over > 0) this.#buf = this.#buf.subarray(over);
    return Math.max(0, over);
  }

  consume(count: number): void {
    this.#buf = this.#buf.subarray(Math.min(count, this.#buf.length));
  }

  clear(): void {
    this.#buf = Buffer.alloc(0);
  }
}
