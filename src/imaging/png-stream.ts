/**
 * A PNG encoder that takes rows as they are produced and hands the file to a
 * sink as it grows, so neither the whole image nor the whole file has to be
 * in memory: cut-outs and the raster fixes write images far larger than an
 * isolate's 128 MB would allow as one frame.
 *
 * Each batch of rows gets one filter, libpng's choice from a sample of the
 * batch (png-filters.ts), and the filtered rows are deflated in JS with
 * runs only (deflate-rle.ts). The runtime's CompressionStream, used
 * before, is zlib at level 6 and cannot be set to anything else: it took
 * 3–5× as long (the 2× of a 12 MP photo: 8.7 s against 3.1 s on a loaded
 * machine) for a file 2.4 % smaller (bench/RESULTS.md). What the encoder
 * holds is 256 KiB of filtered rows, the deflater's tokens and output for
 * them, and one row.
 */

import { concatBytes } from "../platform/encoding";
import { RleDeflater } from "./deflate-rle";
import { chooseFilter, filterRow } from "./png-filters";
import { release } from "./release";

const SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * CRC-32 tables for four bytes a step ("slicing by 4"), as signed 32-bit
 * integers: unsigned values over 2³¹ would make V8 compute in doubles.
 */
const CRC_TABLES = (() => {
  const tables = new Int32Array(4 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    tables[n] = c;
  }
  for (let n = 0; n < 256; n++) for (let t = 1; t < 4; t++) tables[t * 256 + n] = tables[(t - 1) * 256 + n]! >>> 8 ^ tables[tables[(t - 1) * 256 + n]! & 0xff]!;
  return tables;
})();

/** CRC-32 as PNG chunks use it (ISO 3309), continuing from `crc`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  const t = CRC_TABLES;
  let c = ~crc;
  let i = 0;
  for (const end = bytes.length - 3; i < end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = t[768 + (c & 0xff)]! ^ t[512 + ((c >>> 8) & 0xff)]! ^ t[256 + ((c >>> 16) & 0xff)]! ^ t[c >>> 24]!;
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** A chunk as three pieces (length + type, data, CRC), so large data is never copied. */
function chunk(type: string, data: Uint8Array): Uint8Array[] {
  const head = new Uint8Array(8);
  const view = new DataView(head.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) head[4 + i] = type.charCodeAt(i);
  const tail = new Uint8Array(4);
  new DataView(tail.buffer).setUint32(0, crc32(data, crc32(head.subarray(4))));
  return [head, data, tail];
}

/**
 * Filtered bytes per deflate push, and so per IDAT chunk: what the encoder
 * holds filtered (and the deflater compressed) at once, whatever the batch.
 */
const CHUNK_BYTES = 256 * 1024;

/** Receives the file piece by piece; a piece is only valid until the returned promise settles (copy what you keep). */
export type PngSink = (bytes: Uint8Array) => void | Promise<void>;

/** Streams an 8-bit RGB or RGBA PNG to `sink`, row by row. */
export class PngStreamEncoder {
  private readonly rowBytes: number;
  private readonly lineBytes: number;
  private readonly linesPerChunk: number;
  /** The last row written, the next row's "above" (zeros above the first row, as the spec has it). */
  private readonly previous: Uint8Array;
  private lines: Uint8Array;
  private packed = new Uint8Array(0);
  private readonly deflater = new RleDeflater();
  private rowsWritten = 0;
  private started = false;
  private stopped = false;
  private bytesOut = 0;

  /**
   * @param extraChunks complete chunks (length, type, data, CRC) written
   *   between IHDR and the first IDAT, e.g. pHYs for the print resolution.
   */
  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: 3 | 4,
    private readonly sink: PngSink,
    private readonly extraChunks: Uint8Array[] = [],
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new RangeError(`invalid PNG size ${width}×${height}`);
    this.rowBytes = width * channels;
    this.lineBytes = this.rowBytes + 1;
    this.linesPerChunk = Math.max(1, Math.floor(CHUNK_BYTES / this.lineBytes));
    this.previous = new Uint8Array(this.rowBytes);
    this.lines = new Uint8Array(Math.min(height, this.linesPerChunk) * this.lineBytes);
  }

  /** Total bytes handed to the sink so far. */
  get bytesWritten(): number {
    return this.bytesOut;
  }

  /** Appends whole rows (`width * channels` bytes each), top to bottom. */
  writeRows(rows: Uint8Array): Promise<void> {
    return this.write(rows, this.channels);
  }

  /** Appends whole rows of RGBA (`width * 4` bytes each), top to bottom; a 3-channel PNG leaves out their alpha. */
  writeRgbaRows(rows: Uint8Array): Promise<void> {
    return this.write(rows, 4);
  }

  /** Writes the end of the file; every row must have been written. */
  async finish(): Promise<void> {
    if (this.rowsWritten !== this.height) throw new Error(`PNG has ${this.rowsWritten} of ${this.height} rows`);
    await this.emit(chunk("IDAT", this.deflater.finish()));
    await this.emit(chunk("IEND", new Uint8Array(0)));
    this.stopped = true;
    // Freed now, not at the next collection.
    release(this.lines);
    release(this.packed);
  }

  /** Stops encoding; nothing more reaches the sink. */
  async abort(_reason?: unknown): Promise<void> {
    this.stopped = true;
  }

  private async write(rows: Uint8Array, inputBpp: number): Promise<void> {
    if (this.stopped) throw new Error("the PNG encoder was stopped");
    const inputRowBytes = this.width * inputBpp;
    if (rows.length % inputRowBytes) throw new RangeError("writeRows takes whole rows");
    const count = rows.length / inputRowBytes;
    if (this.rowsWritten + count > this.height) throw new RangeError("more rows than the image height");
    if (!count) return;
    if (!this.started) await this.start();
    const pixels = inputBpp === this.channels ? rows : this.pack(rows, count);
    const { rowBytes, lineBytes, channels } = this;
    const type = chooseFilter(pixels, this.previous, count, rowBytes, channels);
    for (let r = 0; r < count; ) {
      const lines = Math.min(this.linesPerChunk, count - r);
      for (let k = 0; k < lines; k++, r++) {
        const above = r ? pixels.subarray((r - 1) * rowBytes, r * rowBytes) : this.previous;
        filterRow(type, pixels.subarray(r * rowBytes, (r + 1) * rowBytes), above, channels, this.lines, k * lineBytes);
      }
      const compressed = this.deflater.push(this.lines.subarray(0, lines * lineBytes));
      if (compressed.length) await this.emit(chunk("IDAT", compressed));
      if (this.stopped) return;
    }
    this.previous.set(pixels.subarray((count - 1) * rowBytes));
    this.rowsWritten += count;
  }

  /** RGBA rows without their alpha, into a buffer reused between calls. */
  private pack(rows: Uint8Array, count: number): Uint8Array {
    const bytes = count * this.rowBytes;
    if (this.packed.length < bytes) this.packed = new Uint8Array(bytes);
    const out = this.packed;
    for (let s = 0, d = 0; d < bytes; s += 4, d += 3) {
      out[d] = rows[s]!;
      out[d + 1] = rows[s + 1]!;
      out[d + 2] = rows[s + 2]!;
    }
    return out.subarray(0, bytes);
  }

  private async start(): Promise<void> {
    this.started = true;
    const ihdr = new Uint8Array(13);
    const view = new DataView(ihdr.buffer);
    view.setUint32(0, this.width);
    view.setUint32(4, this.height);
    ihdr[8] = 8; // bits per channel
    ihdr[9] = this.channels === 4 ? 6 : 2; // RGBA : RGB
    await this.emit([SIGNATURE, ...chunk("IHDR", ihdr), ...this.extraChunks]);
  }

  private async emit(pieces: Uint8Array[]): Promise<void> {
    for (const piece of pieces) {
      if (this.stopped) return;
      this.bytesOut += piece.length;
      await this.sink(piece);
    }
  }
}

/** A whole RGBA frame as PNG bytes (`channels` 3 drops alpha). */
export async function encodePngRgba(data: Uint8Array | Uint8ClampedArray, width: number, height: number, channels: 3 | 4 = 4): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  const encoder = new PngStreamEncoder(width, height, channels, (bytes) => void parts.push(bytes.slice()));
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  // Batches of about 1 MB: each gets its own filter choice.
  const batchRows = Math.max(1, Math.floor((1 << 20) / (width * 4)));
  for (let y = 0; y < height; y += batchRows) await encoder.writeRgbaRows(bytes.subarray(y * width * 4, Math.min(height, y + batchRows) * width * 4));
  await encoder.finish();
  return concatBytes(parts);
}
