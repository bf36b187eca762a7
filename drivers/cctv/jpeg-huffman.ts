/**
 * Baseline JPEG entropy decoding: canonical Huffman tables (ITU T.81 annex C) with a 9-bit lookup
 * for the common short codes, and a bit reader over unstuffed scan data.
 */

export interface HuffmanTable {
  maxCode: Int32Array;
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
  /** For codes of up to `lookupBits` bits: (length << 8 | value) by the next `lookupBits` bits; 0 = longer code. */
  lookup: Uint16Array;
}

const lookupBits = 9;

/** Builds a decoding table from a DHT segment's 16 code counts and its values. */
export function buildTable(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1]!;
    if (n > 0) {
      valPtr[length] = k;
      minCode[length] = code;
      code += n;
      k += n;
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  const lookup = new Uint16Array(1 << lookupBits);
  for (let length = 1, k2 = 0, c = 0; length <= lookupBits; length++, c <<= 1) {
    for (let i = 0; i < counts[length - 1]!; i++, c++, k2++) {
      const shift = lookupBits - length;
      for (let fill = 0; fill < 1 << shift; fill++) lookup[(c << shift) | fill] = (length << 8) | values[k2]!;
    }
  }
  return { maxCode, valPtr, minCode, values, lookup };
}

/** Reads bits MSB first from unstuffed entropy-coded bytes, a few bytes at a time. */
export class BitReader {
  readonly #bytes: Uint8Array;
  #pos = 0;
  /** Bits not yet consumed, right-aligned in `#acc`. */
  #acc = 0;
  #count = 0;
  /** Zero bits appended past the end; consuming them means the data was cut short. */
  #padding = 0;
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }
  #fill(): void {
    while (this.#count <= 16) {
      const byte = this.#pos < this.#bytes.length ? this.#bytes[this.#pos++]! : (this.#padding += 8, 0);
      this.#acc = ((this.#acc << 8) | byte) & 0xffffff;
      this.#count += 8;
    }
  }
  #consume(n: number): void {
    this.#count -= n;
    if (this.#padding > this.#count) throw new Error('image data is truncated');
  }
  bits(n: number): number {
    if (n === 0) return 0;
    this.#fill();
    const value = (this.#acc >> (this.#count - n)) & ((1 << n) - 1);
    this.#consume(n);
    return value;
  }
  decode(table: HuffmanTable): number {
    this.#fill();
    const entry = table.lookup[(this.#acc >> (this.#count - lookupBits)) & ((1 << lookupBits) - 1)]!;
    if (entry !== 0) {
      this.#consume(entry >> 8);
      return entry & 0xff;
    }
    let code = 0;
    for (let length = 1; length <= 16; length++) {
      code = (code << 1) | this.bits(1);
      if (code <= table.maxCode[length]!) return table.values[table.valPtr[length]! + code - table.minCode[length]!]!;
    }
    throw new Error('bad Huffman code in image data');
  }
}

/** Sign-extends a received `size`-bit difference (T.81 figure F.12). */
export function extend(value: number, size: number): number {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}
