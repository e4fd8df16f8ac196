/**
 * zlib-wrapped deflate (RFC 1950, RFC 1951) made for filtered PNG rows:
 * literals and runs of the previous byte (matches at distance 1) only,
 * each block with Huffman codes of its own. It is what zlib does with
 * Z_RLE, the strategy zlib's documentation suggests for PNG image data,
 * and what the runtime's CompressionStream cannot be asked for: that is
 * zlib at level 6 with the default strategy, and it was most of an
 * upscale's time (6.8 of 10.3 s for 48 MP out, bench/RESULTS.md).
 *
 * Why no longer matches: after the Paeth filter a photo's bytes are small
 * differences, mostly 0 and ±1, that do not repeat much further back. On
 * 2× upscales of photos, zlib at level 6 with hash chains and lazy matching
 * came out 3 % larger than runs alone with Paeth (its best case, the Up
 * filter, 2–3 % smaller, at 12× the time); runs are what remains, and
 * they cost one comparison a byte.
 *
 * Data goes in as it comes (`push`), each push ending on a whole block,
 * so the output can go to a sink at once; `finish` ends the stream.
 * A block whose Huffman coding would be larger than its bytes is stored.
 */

/** Input bytes per block: the Huffman codes adapt per block. 64 KiB to 1 MiB came out within 0.1 %. */
const BLOCK_BYTES = 256 * 1024;
const MAX_MATCH = 258;
const MIN_MATCH = 3;
const MAX_STORED = 65535;
const ADLER_MOD = 65521;
/** Bytes that can be summed before Adler-32's sums must be reduced (zlib's NMAX). */
const ADLER_NMAX = 5552;

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
/** Order in which the code-length code's lengths are written (RFC 1951, 3.2.7). */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];
const END_OF_BLOCK = 256;

/** For each match length 3…258: its length symbol (257…285), and the value and count of its extra bits. */
const LENGTH_SYMBOL = new Uint16Array(MAX_MATCH + 1);
const LENGTH_EXTRA_VALUE = new Uint8Array(MAX_MATCH + 1);
const LENGTH_EXTRA_BITS = new Uint8Array(MAX_MATCH + 1);
for (let s = 0; s < LENGTH_BASE.length; s++) {
  const end = s + 1 < LENGTH_BASE.length ? LENGTH_BASE[s + 1]! : MAX_MATCH + 1;
  for (let length = LENGTH_BASE[s]!; length < end; length++) {
    LENGTH_SYMBOL[length] = 257 + s;
    LENGTH_EXTRA_VALUE[length] = length - LENGTH_BASE[s]!;
    LENGTH_EXTRA_BITS[length] = LENGTH_EXTRA[s]!;
  }
}
// 258 has a symbol of its own (285) rather than 227 + 31.
LENGTH_SYMBOL[MAX_MATCH] = 285;
LENGTH_EXTRA_VALUE[MAX_MATCH] = 0;
LENGTH_EXTRA_BITS[MAX_MATCH] = 0;

/**
 * Huffman code lengths of at most `limit` bits for `frequencies`. Where the
 * optimal tree is deeper, frequencies are flattened (halved, plus one)
 * until it is not: simpler than package-merge, and a code that deep costs
 * next to nothing either way. Always at least two codes, so every code is
 * complete (inflaters reject incomplete literal and code-length codes).
 */
export function huffmanLengths(frequencies: ArrayLike<number>, limit: number): Uint8Array {
  const n = frequencies.length;
  const lengths = new Uint8Array(n);
  const symbols: number[] = [];
  for (let s = 0; s < n; s++) if (frequencies[s]) symbols.push(s);
  if (symbols.length < 2) {
    // One symbol (or none) still gets a 1-bit code, and a second, unused one completes it.
    lengths[symbols[0] ?? 0] = 1;
    lengths[symbols[0] === 0 ? 1 : 0] = 1;
    return lengths;
  }
  const weight = Float64Array.from(frequencies);
  const m = symbols.length;
  const node = new Float64Array(2 * m);
  const parent = new Int32Array(2 * m);
  const depth = new Int32Array(2 * m);
  for (;;) {
    symbols.sort((a, b) => weight[a]! - weight[b]! || a - b);
    for (let i = 0; i < m; i++) node[i] = weight[symbols[i]!]!;
    // Two queues: leaves in order of weight, and merged nodes, which are made in order of weight.
    let leaf = 0;
    let merged = m;
    const lightest = (made: number) => (leaf < m && (merged >= made || node[leaf]! <= node[merged]!) ? leaf++ : merged++);
    for (let made = m; made < 2 * m - 1; made++) {
      const a = lightest(made);
      const b = lightest(made);
      node[made] = node[a]! + node[b]!;
      parent[a] = parent[b] = made;
    }
    depth[2 * m - 2] = 0;
    let deepest = 0;
    for (let i = 2 * m - 3; i >= 0; i--) {
      depth[i] = depth[parent[i]!]! + 1;
      if (i < m && depth[i]! > deepest) deepest = depth[i]!;
    }
    if (deepest <= limit) {
      for (let i = 0; i < m; i++) lengths[symbols[i]!] = depth[i]!;
      return lengths;
    }
    for (const s of symbols) weight[s] = Math.floor(weight[s]! / 2) + 1;
  }
}

/** Canonical Huffman codes for `lengths` (RFC 1951, 3.2.2), bit-reversed: deflate writes codes from their first bit, into the low end of each byte. */
export function huffmanCodes(lengths: Uint8Array): Uint16Array {
  const count = new Uint16Array(16);
  for (const length of lengths) count[length]!++;
  count[0] = 0;
  const next = new Uint16Array(16);
  for (let bits = 1, code = 0; bits < 16; bits++) {
    code = (code + count[bits - 1]!) << 1;
    next[bits] = code;
  }
  const codes = new Uint16Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const length = lengths[s]!;
    if (!length) continue;
    let code = next[length]!++;
    let reversed = 0;
    for (let k = 0; k < length; k++, code >>= 1) reversed = (reversed << 1) | (code & 1);
    codes[s] = reversed;
  }
  return codes;
}

/** Every match is at distance 1, distance symbol 0: one bit, with symbol 1 unused beside it so that the code is complete. */
const DISTANCE_LENGTHS = huffmanLengths([1, 0], 15);
const DISTANCE_CODES = huffmanCodes(DISTANCE_LENGTHS);

/** Adler-32 (RFC 1950) of `bytes`, continuing from `adler`. */
export function adler32(bytes: Uint8Array, adler = 1): number {
  let a = adler & 0xffff;
  let b = adler >>> 16;
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const end = Math.min(n, i + ADLER_NMAX);
    // Four bytes a step: b gains 4a and the bytes weighted 4, 3, 2, 1.
    for (; i + 4 <= end; i += 4) {
      const x0 = bytes[i]!;
      const x1 = bytes[i + 1]!;
      const x2 = bytes[i + 2]!;
      const x3 = bytes[i + 3]!;
      b += 4 * a + 4 * x0 + 3 * x1 + 2 * x2 + x3;
      a += x0 + x1 + x2 + x3;
    }
    for (; i < end; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= ADLER_MOD;
    b %= ADLER_MOD;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream, compressed as it is pushed. */
export class RleDeflater {
  /** Output of the latest push; reused, so valid until the next call. */
  private out = new Uint8Array(0);
  private at = 0;
  private bits = 0;
  private bitCount = 0;
  private tokens = new Uint16Array(0);
  private readonly frequencies = new Uint32Array(286);
  /** The last byte pushed, which a run at the start of the next push repeats; −1 before any. */
  private last = -1;
  private adler = 1;
  private started = false;
  private finished = false;

  /** Compresses `data`, returning the bytes it adds to the stream: a view valid until the next call. */
  push(data: Uint8Array): Uint8Array {
    if (this.finished) throw new Error("the deflate stream is finished");
    this.reserve(data.length);
    if (!this.started) {
      // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (no dictionary, fastest, check bits).
      this.out[this.at++] = 0x78;
      this.out[this.at++] = 0x01;
      this.started = true;
    }
    this.adler = adler32(data, this.adler);
    for (let start = 0; start < data.length; start += BLOCK_BYTES) this.block(data, start, Math.min(data.length, start + BLOCK_BYTES));
    if (data.length) this.last = data[data.length - 1]!;
    return this.take();
  }

  /** Ends the stream: an empty final block and the Adler-32 of everything pushed. */
  finish(): Uint8Array {
    if (this.finished) throw new Error("the deflate stream is finished");
    this.finished = true;
    this.reserve(0);
    if (!this.started) {
      this.out[this.at++] = 0x78;
      this.out[this.at++] = 0x01;
    }
    // BFINAL, fixed codes (01), end of block (seven 0 bits).
    this.put(0b011, 3);
    this.put(0, 7);
    this.alignToByte();
    for (const shift of [24, 16, 8, 0]) this.out[this.at++] = (this.adler >>> shift) & 0xff;
    return this.take();
  }

  private take(): Uint8Array {
    const bytes = this.out.subarray(0, this.at);
    // Whole bytes only: the bits of an unfinished byte stay in `bits` for the next push.
    this.at = 0;
    return bytes;
  }

  /** Room for `inputBytes` stored at worst, block headers and the stream's ends. */
  private reserve(inputBytes: number): void {
    const blocks = Math.ceil(inputBytes / BLOCK_BYTES);
    const needed = inputBytes + 5 * Math.ceil(inputBytes / MAX_STORED) + 400 * blocks + 16;
    if (this.out.length < needed) this.out = new Uint8Array(needed);
    if (this.tokens.length < Math.min(inputBytes, BLOCK_BYTES)) this.tokens = new Uint16Array(Math.min(Math.max(inputBytes, 1), BLOCK_BYTES));
  }

  private put(value: number, count: number): void {
    this.bits |= value << this.bitCount;
    this.bitCount += count;
    while (this.bitCount >= 8) {
      this.out[this.at++] = this.bits;
      this.bits >>>= 8;
      this.bitCount -= 8;
    }
  }

  private alignToByte(): void {
    if (this.bitCount > 0) this.out[this.at++] = this.bits;
    this.bits = 0;
    this.bitCount = 0;
  }

  /**
   * Tokens: a literal byte is itself (0–255); a run of `length` copies of
   * the byte before it is 256 + length (259–514). One pass, counting the
   * symbols' frequencies on the way.
   */
  private tokenize(data: Uint8Array, start: number, end: number): number {
    const tokens = this.tokens;
    const frequencies = this.frequencies;
    frequencies.fill(0);
    let count = 0;
    let previous = start > 0 ? data[start - 1]! : this.last;
    let i = start;
    while (i < end) {
      const byte = data[i]!;
      // A run starts only where the next two bytes repeat this one too: one test for most bytes, which are not in a run.
      if (byte === previous && i + 2 < end && data[i + 1] === byte && data[i + 2] === byte) {
        const limit = Math.min(end, i + MAX_MATCH);
        let j = i + MIN_MATCH;
        while (j < limit && data[j] === byte) j++;
        const length = j - i;
        tokens[count++] = 256 + length;
        frequencies[LENGTH_SYMBOL[length]!]!++;
        i = j;
        continue;
      }
      tokens[count++] = byte;
      frequencies[byte]!++;
      previous = byte;
      i++;
    }
    frequencies[END_OF_BLOCK] = 1;
    return count;
  }

  private block(data: Uint8Array, start: number, end: number): void {
    const count = this.tokenize(data, start, end);
    const frequencies = this.frequencies;
    const literalLengths = huffmanLengths(frequencies, 15);
    const header = this.dynamicHeader(literalLengths, DISTANCE_LENGTHS);
    let bodyBits = 0;
    for (let s = 0; s < 286; s++) if (frequencies[s]) bodyBits += frequencies[s]! * (literalLengths[s]! + (s > 256 ? LENGTH_EXTRA[s - 257]! + 1 : 0));
    const storedBits = Math.ceil((end - start) / MAX_STORED) * (3 + 7 + 32) + (end - start) * 8;
    if (header.bits + bodyBits >= storedBits) {
      this.stored(data, start, end);
      return;
    }
    this.put(0b100, 3); // not final, dynamic codes (10)
    for (let i = 0; i < header.values.length; i++) this.put(header.values[i]!, header.counts[i]!);
    this.encode(count, literalLengths, huffmanCodes(literalLengths), DISTANCE_LENGTHS[0]!, DISTANCE_CODES[0]!);
  }

  private stored(data: Uint8Array, start: number, end: number): void {
    for (let at = start; at < end; at += MAX_STORED) {
      const length = Math.min(MAX_STORED, end - at);
      this.put(0b000, 3); // not final, stored (00)
      this.alignToByte();
      this.out[this.at++] = length & 0xff;
      this.out[this.at++] = length >>> 8;
      this.out[this.at++] = ~length & 0xff;
      this.out[this.at++] = (~length >>> 8) & 0xff;
      this.out.set(data.subarray(at, at + length), this.at);
      this.at += length;
    }
  }

  /** The tokens in their codes; the bit writer inlined, two bytes at a time. */
  private encode(count: number, lengths: Uint8Array, codes: Uint16Array, distanceLength: number, distanceCode: number): void {
    const tokens = this.tokens;
    const out = this.out;
    let at = this.at;
    let bits = this.bits;
    let bitCount = this.bitCount;
    for (let k = 0; k < count; k++) {
      const token = tokens[k]!;
      if (token < 256) {
        bits |= codes[token]! << bitCount;
        bitCount += lengths[token]!;
      } else {
        const length = token - 256;
        const symbol = LENGTH_SYMBOL[length]!;
        bits |= codes[symbol]! << bitCount;
        bitCount += lengths[symbol]!;
        if (bitCount >= 16) {
          out[at++] = bits;
          out[at++] = bits >>> 8;
          bits >>>= 16;
          bitCount -= 16;
        }
        // At most 5 extra bits and the distance's 1: under 32 with the fewer than 16 held.
        bits |= (LENGTH_EXTRA_VALUE[length]! | (distanceCode << LENGTH_EXTRA_BITS[length]!)) << bitCount;
        bitCount += LENGTH_EXTRA_BITS[length]! + distanceLength;
      }
      if (bitCount >= 16) {
        out[at++] = bits;
        out[at++] = bits >>> 8;
        bits >>>= 16;
        bitCount -= 16;
      }
    }
    this.at = at;
    this.bits = bits;
    this.bitCount = bitCount;
    this.put(codes[END_OF_BLOCK]!, lengths[END_OF_BLOCK]!);
  }

  /** A dynamic block's header after its first three bits, as (value, bit count) pairs, and its size in bits. */
  private dynamicHeader(literalLengths: Uint8Array, distanceLengths: Uint8Array): { values: number[]; counts: number[]; bits: number } {
    let hlit = 286;
    while (hlit > 257 && !literalLengths[hlit - 1]) hlit--;
    let hdist = distanceLengths.length;
    while (hdist > 1 && !distanceLengths[hdist - 1]) hdist--;
    const all = [...literalLengths.subarray(0, hlit), ...distanceLengths.subarray(0, hdist)];
    // The lengths themselves, run-length coded: 16 repeats the previous length 3–6 times, 17 and 18 give 3–10 and 11–138 zeros.
    const symbols: number[] = [];
    const extra: number[] = [];
    for (let i = 0; i < all.length; ) {
      const length = all[i]!;
      let run = 1;
      while (i + run < all.length && all[i + run] === length) run++;
      if (length === 0 && run >= 3) {
        const take = Math.min(run, 138);
        symbols.push(take >= 11 ? 18 : 17);
        extra.push(take >= 11 ? take - 11 : take - 3);
        i += take;
        continue;
      }
      symbols.push(length);
      extra.push(0);
      i++;
      for (let rest = run - 1; rest >= 3; ) {
        const take = Math.min(rest, 6);
        symbols.push(16);
        extra.push(take - 3);
        rest -= take;
        i += take;
      }
    }
    const frequencies = new Uint32Array(19);
    for (const s of symbols) frequencies[s]!++;
    const lengths = huffmanLengths(frequencies, 7);
    const codes = huffmanCodes(lengths);
    let hclen = 19;
    while (hclen > 4 && !lengths[CODE_LENGTH_ORDER[hclen - 1]!]) hclen--;
    const values = [hlit - 257, hdist - 1, hclen - 4];
    const counts = [5, 5, 4];
    for (let i = 0; i < hclen; i++) {
      values.push(lengths[CODE_LENGTH_ORDER[i]!]!);
      counts.push(3);
    }
    const extraBits: Record<number, number> = { 16: 2, 17: 3, 18: 7 };
    symbols.forEach((s, i) => {
      values.push(codes[s]!);
      counts.push(lengths[s]!);
      if (s >= 16) {
        values.push(extra[i]!);
        counts.push(extraBits[s]!);
      }
    });
    return { values, counts, bits: counts.reduce((sum, c) => sum + c, 3) };
  }
}
