import { ImageDecodeError } from "./errors";
import { paethPredictor } from "./png-filters";
import { release } from "./release";

/**
 * The one PNG decoding core, shared by the whole-frame decoder
 * (png-decode.ts) and the row-streaming one (png-bands.ts). Both are push
 * based and synchronous, so each caller brings its own input and its own
 * inflater:
 * - PngChunkReader takes the file in pieces of any size and hands out the
 *   image data (IDAT) as views, keeping IHDR, PLTE and tRNS;
 * - PngRows takes the inflated data in pieces of any size and writes 8-bit
 *   RGBA rows into the caller's buffer, unfiltering and expanding each
 *   scanline as soon as it is complete.
 *
 * Output: 8-bit RGBA, palettes and low bit depths expanded, tRNS turned
 * into alpha, 16-bit samples cut to their high byte, checksums (chunk CRCs,
 * zlib's Adler-32) not enforced, ancillary chunks (gamma, ICC) ignored.
 * PLTE and tRNS count only before the first IDAT, where the format puts them.
 */

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  readonly depth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colour: number;
  readonly interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/**
 * Image data inflated past the last scanline that is tolerated before the
 * file is refused. Real encoders write none; a zlib bomb is a small image
 * whose IDAT inflates to gigabytes, which would otherwise all be inflated
 * (seconds of CPU per 256 KB of file) although the header's pixel count
 * was checked before decoding.
 */
export const MAX_SURPLUS_BYTES = 64 * 1024;

/**
 * Compressed image data after the last scanline that is still inflated (to
 * measure the surplus above); the rest is skipped unread. It yields no
 * pixels, and data that inflates to nothing would otherwise cost time for
 * no purpose.
 */
export const MAX_TRAILING_DATA_BYTES = 256 * 1024;

/**
 * What the row-streaming decoder may hold of an interlaced image: Adam7's
 * passes 1–6 make up every even row, so no complete row exists before pass
 * 7 starts, and they are kept as they arrive (unfiltered, at the file's own
 * bit depth, about half the image's raw bytes). 48 MiB takes an interlaced
 * RGBA photo of 25 MP (47.7 MiB) or RGB of 33 MP, and 12 MP (the default
 * pixel limit) in any format, 16-bit RGBA included (45.8 MiB): never more
 * than the whole 8-bit RGBA frame the whole-frame decoder holds for the
 * same image. Beyond it the file is refused ("too_large").
 */
export const MAX_INTERLACED_BYTES = 48 * 1024 * 1024;

const ADAM7: ReadonlyArray<readonly [number, number, number, number]> = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

const damaged = (message: string) => new ImageDecodeError(message, { reason: "damaged" });

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function parseHeader(body: Uint8Array): PngHeader {
  const header = { width: u32(body, 0), height: u32(body, 4), depth: body[8]!, colour: body[9]!, interlaced: body[12] === 1 };
  if (!header.width || !header.height || header.width > 0x7fffffff || header.height > 0x7fffffff) throw damaged("PNG header gives no valid size");
  if (!DEPTHS[header.colour]?.includes(header.depth) || body[10] !== 0 || body[11] !== 0 || body[12]! > 1) {
    throw new ImageDecodeError(`unsupported or invalid PNG header (colour type ${header.colour}, ${header.depth} bits)`, { reason: "unsupported" });
  }
  return header;
}

export type PngEvent =
  /** IHDR has been read: `header` is set (refuse the image now if it is too large). */
  | { readonly type: "header" }
  /** A piece of image data: a view into the input, valid as long as that input is. */
  | { readonly type: "data"; readonly bytes: Uint8Array }
  /** IEND: nothing after it is read. */
  | { readonly type: "end" };

/** Chunk bodies kept (the rest are skipped): the most of each that is used. */
const KEEP: Record<string, number> = { IHDR: 13, PLTE: 768, tRNS: 256 };

/**
 * Reads a PNG's chunks from input pushed in pieces of any size. next()
 * returns the next event, or null when it needs more input; after end(),
 * running out of input is an ImageDecodeError.
 */
export class PngChunkReader {
  header: PngHeader | null = null;
  palette: Uint8Array | null = null;
  transparency: Uint8Array | null = null;
  /** File offset of the first IDAT chunk (its length field), once seen. */
  firstDataOffset = -1;
  private readonly pieces: Uint8Array[] = [];
  private at = 0;
  private ended = false;
  private state: "signature" | "head" | "body" | "data" | "crc" | "done";
  private readonly scratch = new Uint8Array(8);
  private filled = 0;
  private type = "";
  private remaining = 0;
  private kept: Uint8Array | null = null;
  private keptFilled = 0;
  private position = 0;
  private chunkStart = 0;
  private dataSeen = false;

  /** `fromChunk`: the input starts at a chunk boundary past IHDR (reading a file again from its first IDAT). */
  constructor(options: { fromChunk?: { header: PngHeader; offset: number } } = {}) {
    this.state = options.fromChunk ? "head" : "signature";
    if (options.fromChunk) {
      this.header = options.fromChunk.header;
      this.position = this.chunkStart = options.fromChunk.offset;
      this.dataSeen = true;
    }
  }

  push(bytes: Uint8Array): void {
    if (bytes.length) this.pieces.push(bytes);
  }

  /** No more input will come. */
  end(): void {
    this.ended = true;
  }

  /** Bytes pushed and not yet read. */
  bufferedBytes(): number {
    let n = -this.at;
    for (const piece of this.pieces) n += piece.length;
    return n;
  }

  next(): PngEvent | null {
    for (;;) {
      switch (this.state) {
        case "signature":
          if (!this.fill(8)) return this.starved();
          if (SIGNATURE.some((b, i) => this.scratch[i] !== b)) throw damaged("not a PNG file");
          this.state = "head";
          this.chunkStart = this.position;
          continue;
        case "head": {
          if (!this.fill(8)) return this.starved();
          const length = u32(this.scratch, 0);
          this.type = String.fromCharCode(...this.scratch.subarray(4, 8));
          if (!this.header && (this.type !== "IHDR" || length !== 13)) throw damaged("PNG without IHDR");
          if (length > 0x7fffffff) throw damaged(`PNG chunk ${JSON.stringify(this.type)} has an invalid length`);
          this.remaining = length;
          if (this.type === "IEND") {
            if (!this.dataSeen) throw damaged("PNG without image data");
            this.state = "done";
            return { type: "end" };
          }
          if (this.type === "IDAT") {
            if (!this.dataSeen) this.firstDataOffset = this.chunkStart;
            this.dataSeen = true;
            this.state = "data";
            continue;
          }
          const keep = this.dataSeen ? 0 : (KEEP[this.type] ?? 0);
          this.kept = keep ? new Uint8Array(Math.min(keep, length)) : null;
          this.keptFilled = 0;
          this.state = "body";
          continue;
        }
        case "data": {
          if (!this.remaining) {
            this.state = "crc";
            continue;
          }
          const bytes = this.take(this.remaining);
          if (!bytes) return this.starved();
          this.remaining -= bytes.length;
          return { type: "data", bytes };
        }
        case "body": {
          while (this.remaining) {
            const bytes = this.take(this.remaining);
            if (!bytes) return this.starved();
            this.remaining -= bytes.length;
            if (this.kept && this.keptFilled < this.kept.length) {
              const n = Math.min(bytes.length, this.kept.length - this.keptFilled);
              this.kept.set(bytes.subarray(0, n), this.keptFilled);
              this.keptFilled += n;
            }
          }
          this.state = "crc";
          if (this.type === "IHDR") {
            if (this.header) continue;
            this.header = parseHeader(this.kept!);
            return { type: "header" };
          }
          if (this.type === "PLTE" && this.kept) this.palette = this.kept;
          else if (this.type === "tRNS" && this.kept) this.transparency = this.kept;
          continue;
        }
        case "crc":
          // Checksums are not checked, only skipped.
          if (!this.fill(4)) return this.starved();
          this.state = "head";
          this.chunkStart = this.position;
          continue;
        case "done":
          return { type: "end" };
      }
    }
  }

  /** Copies the next `n` (≤ 8) bytes into scratch as they arrive; true once all are there. */
  private fill(n: number): boolean {
    while (this.filled < n) {
      const bytes = this.take(n - this.filled);
      if (!bytes) return false;
      this.scratch.set(bytes, this.filled);
      this.filled += bytes.length;
    }
    this.filled = 0;
    return true;
  }

  /** Up to `max` bytes from the input, as a view; null when there are none. */
  private take(max: number): Uint8Array | null {
    for (;;) {
      const piece = this.pieces[0];
      if (!piece) return null;
      if (this.at < piece.length) {
        const n = Math.min(max, piece.length - this.at);
        const bytes = piece.subarray(this.at, this.at + n);
        this.at += n;
        this.position += n;
        return bytes;
      }
      this.pieces.shift();
      this.at = 0;
    }
  }

  private starved(): null {
    if (!this.ended) return null;
    if (this.state === "body" || this.state === "data") throw damaged(`PNG chunk ${JSON.stringify(this.type)} runs past the end of the file`);
    if (this.state === "signature") throw damaged("not a PNG file");
    throw damaged(this.dataSeen ? "PNG data ends early; the file may be truncated" : "PNG without image data");
  }
}

interface Pass {
  readonly x0: number;
  readonly y0: number;
  readonly dx: number;
  readonly dy: number;
  /** Pixels per row and rows. */
  readonly w: number;
  readonly h: number;
  /** Bytes of one scanline, its filter byte included. */
  readonly lineBytes: number;
  /** Where its rows start in the store (held passes only). */
  readonly storeOffset: number;
}

function passesOf(header: PngHeader): Pass[] {
  const bitsPerPixel = CHANNELS[header.colour]! * header.depth;
  const layout = header.interlaced ? ADAM7 : [[0, 0, 1, 1] as const];
  let storeOffset = 0;
  const passes: Pass[] = [];
  for (const [x0, y0, dx, dy] of layout) {
    const w = Math.ceil((header.width - x0) / dx);
    const h = Math.ceil((header.height - y0) / dy);
    if (w <= 0 || h <= 0) continue;
    const lineBytes = 1 + Math.ceil((w * bitsPerPixel) / 8);
    passes.push({ x0, y0, dx, dy, w, h, lineBytes, storeOffset });
    // Pass 7 (every odd row) streams; passes 1–6 are held.
    if (dy !== 2 || y0 !== 1) storeOffset += lineBytes * h;
  }
  return passes;
}

/** Bytes the row-streaming decoder holds for Adam7's passes 1–6 of an interlaced image (0 when not interlaced). */
export function interlacedBytes(header: PngHeader): number {
  if (!header.interlaced) return 0;
  return passesOf(header).reduce((sum, p) => (p.dy === 2 && p.y0 === 1 ? sum : sum + p.lineBytes * p.h), 0);
}

/** Refuses an interlaced image whose held passes would pass `limit` bytes. */
export function checkInterlacedBytes(header: PngHeader, limit = MAX_INTERLACED_BYTES): void {
  const bytes = interlacedBytes(header);
  if (bytes > limit) {
    const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    throw new ImageDecodeError(
      `interlaced PNG of ${header.width}×${header.height} px would hold ${mib(bytes)} of Adam7 passes before its first full row, over the ${mib(limit)} limit for interlaced PNGs; save it without interlacing`,
      { reason: "too_large" },
    );
  }
}

/** Undoes a scanline's filter in place; `line[0]` is the filter type, `prev` the previous unfiltered line of the same pass (zeros for the first). */
function unfilter(line: Uint8Array, prev: Uint8Array, bpp: number): void {
  const n = line.length;
  switch (line[0]) {
    case 0:
      return;
    case 1:
      for (let i = 1 + bpp; i < n; i++) line[i] = line[i]! + line[i - bpp]!;
      return;
    case 2:
      for (let i = 1; i < n; i++) line[i] = line[i]! + prev[i]!;
      return;
    case 3: {
      const first = Math.min(n, 1 + bpp);
      for (let i = 1; i < first; i++) line[i] = line[i]! + (prev[i]! >> 1);
      for (let i = first; i < n; i++) line[i] = line[i]! + ((line[i - bpp]! + prev[i]!) >> 1);
      return;
    }
    case 4: {
      // Paeth with a = c = 0 is the byte above.
      const first = Math.min(n, 1 + bpp);
      for (let i = 1; i < first; i++) line[i] = line[i]! + prev[i]!;
      for (let i = first; i < n; i++) line[i] = line[i]! + paethPredictor(line[i - bpp]!, prev[i]!, prev[i - bpp]!);
      return;
    }
    default:
      throw damaged(`invalid PNG filter type ${line[0]}`);
  }
}

export interface PngRowsOptions {
  /**
   * The output buffer will hold the whole image: Adam7 passes are then
   * written straight to their pixels, none is held. Otherwise rows come
   * out in order into bands, and passes 1–6 are held (checkInterlacedBytes).
   */
  wholeFrame?: boolean;
}

/**
 * Turns inflated image data into RGBA rows. Give it an output buffer
 * (setOutput), then the data in pieces (write): it fills the buffer's rows
 * in order and stops when the buffer is full, to be handed the next one.
 */
export class PngRows {
  readonly width: number;
  readonly height: number;
  /** Rows complete in the output so far (streaming: rows 0 … rowsOut - 1; whole frame: 0 until the last pass ends). */
  rowsOut = 0;
  private readonly colour: number;
  private readonly depth: number;
  private readonly bpp: number;
  private readonly passes: Pass[];
  private readonly wholeFrame: boolean;
  private readonly interlaced: boolean;
  /** Index of the streamed pass (pass 7 when interlaced and not whole frame); passes before it are held. */
  private readonly streamedPass: number;
  private readonly store: Uint8Array;
  private line: Uint8Array;
  private prev: Uint8Array;
  private pass = 0;
  private row = 0;
  private filled = 0;
  /** A streamed line is complete and waits for room in the output. */
  private pending = false;
  private finished = false;
  private surplus = 0;
  private output: Uint8ClampedArray = new Uint8ClampedArray(0);
  private outFirst = 0;
  private outEnd = 0;
  // Transparency: a grey or RGB key (-1: none) and the palette as RGBA.
  private readonly key: readonly [number, number, number];
  private readonly lut = new Uint8Array(256 * 4);
  private readonly paletteSize: number;
  private readonly greyLevels: Uint8Array;

  constructor(header: PngHeader, palette: Uint8Array | null, transparency: Uint8Array | null, options: PngRowsOptions = {}) {
    const { width, height, depth, colour } = header;
    this.width = width;
    this.height = height;
    this.colour = colour;
    this.depth = depth;
    this.bpp = Math.max(1, (CHANNELS[colour]! * depth) >> 3);
    this.wholeFrame = options.wholeFrame === true;
    this.interlaced = header.interlaced;
    this.passes = passesOf(header);
    const seventh = this.passes.findIndex((p) => p.dy === 2 && p.y0 === 1);
    this.streamedPass = !header.interlaced || this.wholeFrame ? 0 : seventh < 0 ? this.passes.length : seventh;
    this.store = new Uint8Array(this.wholeFrame ? 0 : interlacedBytes(header));
    const longest = Math.max(...this.passes.map((p) => p.lineBytes));
    this.line = new Uint8Array(longest);
    this.prev = new Uint8Array(longest);

    const t = transparency;
    const key16 = (at: number) => (t && t.length >= at + 2 ? (t[at]! << 8) | t[at + 1]! : -1);
    this.key = colour === 0 ? [key16(0), -1, -1] : colour === 2 && t && t.length >= 6 ? [key16(0), key16(2), key16(4)] : [-1, -1, -1];
    this.paletteSize = colour === 3 && palette ? Math.floor(palette.length / 3) : 0;
    for (let i = 0; i < this.paletteSize; i++) {
      this.lut[i * 4] = palette![i * 3]!;
      this.lut[i * 4 + 1] = palette![i * 3 + 1]!;
      this.lut[i * 4 + 2] = palette![i * 3 + 2]!;
      this.lut[i * 4 + 3] = t && i < t.length ? t[i]! : 255;
    }
    const levels = depth < 8 ? 1 << depth : 0;
    this.greyLevels = new Uint8Array(levels);
    for (let v = 0; v < levels; v++) this.greyLevels[v] = Math.round((v * 255) / (levels - 1));
    this.startPass();
  }

  /** Every scanline has been read (whatever comes after is surplus). */
  get done(): boolean {
    return this.finished;
  }

  /** Bytes of the buffers held: scanlines and held passes (not the output). */
  retainedBytes(): number {
    const own = (a: Uint8Array) => (a.buffer === this.store.buffer ? 0 : a.buffer.byteLength);
    return this.store.byteLength + own(this.line) + own(this.prev);
  }

  /** Frees the held passes now rather than at some later collection (they can be tens of MB). */
  release(): void {
    release(this.store);
  }

  /** Rows `firstRow …` go to `output` from now on, as many as it holds (`width * 4` bytes each). */
  setOutput(output: Uint8ClampedArray, firstRow: number): void {
    this.output = output;
    this.outFirst = firstRow;
    this.outEnd = Math.min(this.height, firstRow + Math.floor(output.length / (this.width * 4)));
  }

  /**
   * Reads inflated data from `data[offset …]` and returns how far it got:
   * the end of `data`, or less once the output is full (set the next one
   * and call again with the rest). Data after the last scanline counts as
   * surplus, refused past MAX_SURPLUS_BYTES.
   */
  write(data: Uint8Array, offset = 0): number {
    for (;;) {
      if (!this.wholeFrame) this.emit();
      if (this.pending) return offset;
      if (this.finished) {
        this.surplus += data.length - offset;
        if (this.surplus > MAX_SURPLUS_BYTES) throw damaged("PNG holds more image data than its header declares");
        return data.length;
      }
      if (offset >= data.length) return offset;
      const p = this.passes[this.pass]!;
      const n = Math.min(data.length - offset, p.lineBytes - this.filled);
      this.line.set(n === data.length && offset === 0 ? data : data.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled < p.lineBytes) return offset;
      this.filled = 0;
      unfilter(this.line, this.prev, this.bpp);
      if (this.wholeFrame) {
        this.expand(this.line, p, this.output, (p.y0 + this.row * p.dy - this.outFirst) * this.width * 4);
        this.nextLine();
      } else if (this.pass < this.streamedPass) {
        this.nextLine();
      } else {
        this.pending = true;
      }
    }
  }

  /** Moves to the next scanline, and to the next pass after the last of one. */
  private nextLine(): void {
    const p = this.passes[this.pass]!;
    if (++this.row < p.h) {
      if (this.pass < this.streamedPass) {
        this.prev = this.line;
        this.line = this.store.subarray(p.storeOffset + this.row * p.lineBytes, p.storeOffset + (this.row + 1) * p.lineBytes);
      } else {
        [this.line, this.prev] = [this.prev, this.line];
      }
      return;
    }
    this.row = 0;
    if (++this.pass === this.passes.length) {
      this.finished = true;
      if (this.wholeFrame) this.rowsOut = this.height;
      return;
    }
    this.startPass();
  }

  /** Points the scanline buffers at a new pass: held passes are read straight into the store; each pass starts from a zero line. */
  private startPass(): void {
    const p = this.passes[this.pass]!;
    if (this.pass < this.streamedPass) {
      this.line = this.store.subarray(p.storeOffset, p.storeOffset + p.lineBytes);
      this.prev = new Uint8Array(p.lineBytes);
    } else {
      // Streamed passes share two buffers as long as the longest line (pass 7 gets its own once the held passes are done).
      const fits = (a: Uint8Array) => a.buffer !== this.store.buffer && a.buffer.byteLength >= p.lineBytes;
      if (!fits(this.line) || !fits(this.prev)) {
        const longest = Math.max(...this.passes.slice(this.pass).map((q) => q.lineBytes));
        this.line = new Uint8Array(longest);
        this.prev = new Uint8Array(longest);
      }
      this.line = new Uint8Array(this.line.buffer, 0, p.lineBytes);
      this.prev = new Uint8Array(this.prev.buffer, 0, p.lineBytes);
      this.prev.fill(0);
    }
  }

  /** Streaming: writes every row that is ready, in order, while the output has room. */
  private emit(): void {
    while (this.rowsOut < this.outEnd) {
      const y = this.rowsOut;
      const at = (y - this.outFirst) * this.width * 4;
      if (!this.interlaced || y & 1) {
        // Non-interlaced rows and pass 7's (every odd row) come from the line just read.
        if (!this.pending) return;
        this.expand(this.line, this.passes[this.pass]!, this.output, at);
        this.pending = false;
        this.rowsOut++;
        this.nextLine();
        continue;
      }
      // Even rows are made of passes 1–6, all held once pass 7 has begun.
      if (this.pass < this.streamedPass && !this.finished) return;
      for (let i = 0; i < this.streamedPass; i++) {
        const p = this.passes[i]!;
        if (y < p.y0 || (y - p.y0) % p.dy) continue;
        const r = (y - p.y0) / p.dy;
        this.expand(this.store.subarray(p.storeOffset + r * p.lineBytes, p.storeOffset + (r + 1) * p.lineBytes), p, this.output, at);
      }
      this.rowsOut++;
    }
  }

  /** Expands one unfiltered scanline of pass `p` into RGBA row bytes starting at `o` (its pixels at x0, x0 + dx, …). */
  private expand(line: Uint8Array, p: Pass, out: Uint8ClampedArray, rowStart: number): void {
    const { colour, depth } = this;
    const count = p.w;
    const step = p.dx * 4;
    let o = rowStart + p.x0 * 4;
    const [k0, k1, k2] = this.key;
    if (depth === 8) {
      let s = 1;
      if (colour === 6) {
        if (step === 4) {
          out.set(line.subarray(1, 1 + count * 4), o);
          return;
        }
        for (let i = 0; i < count; i++, s += 4, o += step) {
          out[o] = line[s]!;
          out[o + 1] = line[s + 1]!;
          out[o + 2] = line[s + 2]!;
          out[o + 3] = line[s + 3]!;
        }
      } else if (colour === 2) {
        for (let i = 0; i < count; i++, s += 3, o += step) {
          const r = line[s]!;
          const g = line[s + 1]!;
          const b = line[s + 2]!;
          out[o] = r;
          out[o + 1] = g;
          out[o + 2] = b;
          out[o + 3] = r === k0 && g === k1 && b === k2 ? 0 : 255;
        }
      } else if (colour === 0) {
        for (let i = 0; i < count; i++, s++, o += step) {
          const v = line[s]!;
          out[o] = out[o + 1] = out[o + 2] = v;
          out[o + 3] = v === k0 ? 0 : 255;
        }
      } else if (colour === 4) {
        for (let i = 0; i < count; i++, s += 2, o += step) {
          const v = line[s]!;
          out[o] = out[o + 1] = out[o + 2] = v;
          out[o + 3] = line[s + 1]!;
        }
      } else {
        const lut = this.lut;
        const size = this.paletteSize;
        for (let i = 0; i < count; i++, s++, o += step) {
          const index = line[s]!;
          if (index >= size) throw damaged("PNG palette index out of range");
          const e = index * 4;
          out[o] = lut[e]!;
          out[o + 1] = lut[e + 1]!;
          out[o + 2] = lut[e + 2]!;
          out[o + 3] = lut[e + 3]!;
        }
      }
      return;
    }
    if (depth === 16) {
      // High bytes for the samples; the key compares whole 16-bit values.
      let s = 1;
      if (colour === 6) {
        for (let i = 0; i < count; i++, s += 8, o += step) {
          out[o] = line[s]!;
          out[o + 1] = line[s + 2]!;
          out[o + 2] = line[s + 4]!;
          out[o + 3] = line[s + 6]!;
        }
      } else if (colour === 2) {
        for (let i = 0; i < count; i++, s += 6, o += step) {
          const r = line[s]!;
          const g = line[s + 2]!;
          const b = line[s + 4]!;
          out[o] = r;
          out[o + 1] = g;
          out[o + 2] = b;
          out[o + 3] = ((r << 8) | line[s + 1]!) === k0 && ((g << 8) | line[s + 3]!) === k1 && ((b << 8) | line[s + 5]!) === k2 ? 0 : 255;
        }
      } else if (colour === 0) {
        for (let i = 0; i < count; i++, s += 2, o += step) {
          const v = line[s]!;
          out[o] = out[o + 1] = out[o + 2] = v;
          out[o + 3] = ((v << 8) | line[s + 1]!) === k0 ? 0 : 255;
        }
      } else {
        for (let i = 0; i < count; i++, s += 4, o += step) {
          const v = line[s]!;
          out[o] = out[o + 1] = out[o + 2] = v;
          out[o + 3] = line[s + 2]!;
        }
      }
      return;
    }
    // 1, 2 or 4 bits: grey or palette indices, packed from the high bit.
    const mask = (1 << depth) - 1;
    for (let i = 0, bit = 0; i < count; i++, bit += depth, o += step) {
      const v = (line[1 + (bit >> 3)]! >> (8 - depth - (bit & 7))) & mask;
      if (colour === 0) {
        out[o] = out[o + 1] = out[o + 2] = this.greyLevels[v]!;
        out[o + 3] = v === k0 ? 0 : 255;
      } else {
        if (v >= this.paletteSize) throw damaged("PNG palette index out of range");
        const e = v * 4;
        out[o] = this.lut[e]!;
        out[o + 1] = this.lut[e + 1]!;
        out[o + 2] = this.lut[e + 2]!;
        out[o + 3] = this.lut[e + 3]!;
      }
    }
  }
}
