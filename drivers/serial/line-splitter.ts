import { emptyStats, type FrameParser, type ParserStats } from './frame-parser.ts';

/**
 * Splits a byte stream into text lines on a delimiter. A line longer than `maxLength` is garbage
 * (a baud mismatch, a stuck sender): it is dropped up to the next delimiter. Right after a reset
 * (a port reopened mid-line) the first line is dropped too, because its start may be missing.
 */
export class LineSplitter implements FrameParser<string> {
  readonly stats: ParserStats = emptyStats();
  readonly #delimiter: Buffer;
  readonly #maxLength: number;
  readonly #dropFirst: boolean;
  #buf: Buffer = Buffer.alloc(0);
  #overflowing = false;
  #skipNext: boolean;

  constructor(options: { delimiter: string; maxLength: number; dropFirstLine: boolean }) {
    this.#delimiter = Buffer.from(options.delimiter, 'latin1');
    this.#maxLength = options.maxLength;
    this.#dropFirst = options.dropFirstLine;
    this.#skipNext = options.dropFirstLine;
  }

  reset(): void {
    this.#buf = Buffer.alloc(0);
    this.#overflowing = false;
    this.#skipNext = this.#dropFirst;
  }

  push(chunk: Uint8Array): string[] {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const lines: string[] = [];
    for (;;) {
      const end = this.#buf.indexOf(this.#delimiter);
      if (end < 0) {
        if (this.#buf.length > this.#maxLength) {
          this.stats.discardedBytes += this.#buf.length;
          this.#buf = Buffer.alloc(0);
          this.#overflowing = true;
        }
        return lines;
      }
      const line = this.#buf.subarray(0, end);
      this.#buf = this.#buf.subarray(end + this.#delimiter.length);
      if (this.#overflowing || this.#skipNext || line.length > this.#maxLength) {
        this.stats.discardedBytes += line.length + this.#delimiter.length;
        this.#overflowing = false;
        this.#skipNext = false;
        continue;
      }
      this.stats.frames += 1;
      lines.push(line.toString('latin1'));
    }
  }
}
