/** A small seeded generator (mulberry32): a failing fuzz case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(next: () => number, min: number, max: number): number {
  return min + Math.floor(next() * (max - min + 1));
}

export function randomBytes(next: () => number, count: number): Buffer {
  const out = Buffer.alloc(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** A copy with one byte changed to a different value. */
export function corruptOneByte(next: () => number, frame: Buffer): Buffer {
  const out = Buffer.from(frame);
  const at = randomInt(next, 0, out.length - 1);
  out[at] = (out[at]! + randomInt(next, 1, 255)) & 0xff;
  return out;
}

/** Feeds `stream` in random chunk sizes (including empty chunks) and collects the output. */
export function feedInChunks<T>(next: () => number, stream: Buffer, push: (chunk: Buffer) => T[]): T[] {
  const out: T[] = [];
  let at = 0;
  while (at < stream.length) {
    const size = randomInt(next, 0, 64);
    out.push(...push(stream.subarray(at, at + size)));
    at += size;
  }
  return out;
}

/**
 * A stream of intact frames mixed with garbage, truncated frames and frames with one corrupted
 * byte; returns the stream and the intact frames in order (what a parser must output, exactly).
 */
export function mixedStream(next: () => number, segments: number, makeFrame: () => Buffer, garbage: (n: number) => Buffer = (n) => randomBytes(next, n)): { stream: Buffer; intact: Buffer[] } {
  const parts: Buffer[] = [];
  const intact: Buffer[] = [];
  for (let i = 0; i < segments; i++) {
    const frame = makeFrame();
    const pick = next();
    if (pick < 0.4) {
      parts.push(frame);
      intact.push(frame);
    } else if (pick < 0.6) {
      parts.push(frame.subarray(0, randomInt(next, 1, frame.length - 1)));
    } else if (pick < 0.8) {
      parts.push(corruptOneByte(next, frame));
    } else {
      parts.push(garbage(randomInt(next, 1, 40)));
    }
  }
  return { stream: Buffer.concat(parts), intact };
}
