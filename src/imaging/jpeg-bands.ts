/**
 * A stored JPEG as upright RGBA bands (src/imaging/raster-stream.ts) without
 * ever holding a whole frame: the row-streaming decoder (jpeg-stream.ts)
 * feeds bands as the file arrives, CMYK and YCCK go through the colour
 * engine (cmyk-to-srgb.ts) band by band, and the EXIF orientation is applied
 * on the way out.
 *
 * Orientation. The file stores rows top to bottom; orientations 3–8 want
 * them in another order, so the image is decoded in passes, each keeping one
 * slab of the upright output (at most `slabBytes` of RGBA), handed out as
 * bands before the next pass starts:
 * - 1 streams; 2 mirrors each band.
 * - 3, 4: a slab is a run of stored rows, bottom runs first. A pass skips
 *   the rows above its slab without transforming them (the decoder's skip:
 *   entropy decoding only) and stops at the slab's last row, cancelling the
 *   rest of the read.
 * - 5–8: a slab is a run of stored columns (they become upright rows). A pass
 *   reads the whole file but transforms only its columns (jpeg_crop_scanline:
 *   every MCU is entropy-decoded, only the slab's are inverse-transformed,
 *   upsampled and converted) and transposes each band into the slab.
 * - Baseline files are read again for each pass: entropy decoding, about a
 *   third of a decode, is what a pass repeats. Progressive and multi-scan
 *   files are read once: the decoder keeps their coefficients (it holds them
 *   anyway until the last scan) and runs one output pass per slab over them,
 *   which costs next to nothing, so their slab is small (MULTISCAN_SLAB_BYTES).
 *
 * Cost, 25 MP (6124×4082, 4:2:0, quality 90), CPU time in Node on a shared
 * 2-core machine (bench/jpeg-bands.mjs; jSquash's whole-frame decode of the
 * same files: baseline 510–590 ms, progressive 680–990 ms):
 * - baseline, orientation 1: 230–260 ms. Orientation 6, 24 MiB slabs (a
 *   25 MP portrait): 4 reads and passes, 590–840 ms, 150–210 ms a pass (its
 *   ~70 ms of entropy decoding over the whole file, a quarter of the
 *   transforms, the transposition). 16 MiB: 6 passes; 32 MiB: 3. Orientation
 *   3: 4 passes, ~400 ms.
 * - progressive, orientation 1: 680–960 ms (entropy decoding of every scan is
 *   most of it). Orientation 6: one read, then 24 output passes of 4 MiB
 *   over the kept coefficients, ~10 ms each: 800–1100 ms.
 * Every case stays within 2× of jSquash's mozjpeg whole-frame decode (which
 * then needs orientInPlace, 1.2–2.2 s more for orientation 6).
 */
import { cmykToSrgbForJpeg, type CmykToSrgb } from "./cmyk-to-srgb";
import { ImageDecodeError } from "./errors";
import { DEFAULT_MAX_MEMORY, JpegStreamDecoder, type JpegBand, type JpegHeader } from "./jpeg-stream";
import type { OpenRasterOptions } from "./open-raster";
import { BandBuffer, BYTES_PER_PIXEL, DEFAULT_BAND_BYTES, rowsPerBand, type RasterStream, type RowBand } from "./raster-stream";
import { release } from "./release";
import { SourceGoneError, type SourceFile } from "./source-file";

export interface JpegRasterOptions extends OpenRasterOptions {
  /** RGBA bytes one slab of a rotated or flipped image may hold (default DEFAULT_SLAB_BYTES; tests make it small so that several passes run). */
  slabBytes?: number;
  /** The decoder's limit for a progressive file's coefficients (default 96 MiB); over it the file is "too_large". */
  maxMemory?: number;
}

/**
 * A baseline slab: each pass reads the file again, so fewer passes are
 * faster (a 25 MP portrait: 16 MiB 6 passes, 24 MiB 4, 32 MiB 3), while the
 * slab is the largest buffer of the image's pipeline.
 */
export const DEFAULT_SLAB_BYTES = 24 * 1024 * 1024;
/** A progressive slab: passes over kept coefficients are almost free, and those coefficients already take most of the isolate. */
export const MULTISCAN_SLAB_BYTES = 4 * 1024 * 1024;
/** Rows the decoder gives at a time while a slab fills: long runs make the transposition's writes contiguous. */
const TRANSPOSE_BAND_BYTES = 1024 * 1024;
const MIN_TRANSPOSE_ROWS = 16;

/** One read of the file feeding one decoder. */
class Pass {
  readonly decoder: JpegStreamDecoder;
  private ended = false;
  /** Chunks pushed while only the header is wanted, so that a new decoder can take them again. */
  private replay: Uint8Array[] | null;

  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    buffered: boolean,
    maxMemory: number | undefined,
    keepForReplay: boolean,
    replay: Uint8Array[] = [],
  ) {
    this.decoder = new JpegStreamDecoder({ format: "rgba", buffered, ...(maxMemory === undefined ? {} : { maxMemory }) });
    for (const chunk of replay) this.decoder.push(chunk);
    this.replay = keepForReplay ? [...replay] : null;
  }

  static async open(file: SourceFile, buffered: boolean, maxMemory: number | undefined, keepForReplay = false): Promise<Pass> {
    return new Pass((await file.stream()).getReader(), buffered, maxMemory, keepForReplay);
  }

  /** The next chunk into the decoder (or its end); false once the file is used up. */
  async pull(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      this.decoder.end();
    } else {
      this.decoder.push(value);
      this.replay?.push(value);
    }
    return true;
  }

  async header(): Promise<JpegHeader> {
    for (;;) {
      const header = this.decoder.readHeader();
      if (header) return header;
      if (!(await this.pull())) throw new ImageDecodeError("JPEG ended before its header");
    }
  }

  /**
   * The same read with a new decoder that has taken what this one was given:
   * the header pass frees its decoder until bands are asked for, so that an
   * image opened and never read leaves nothing in the decoders' heap.
   */
  handOver(buffered: boolean, maxMemory: number | undefined): Pass {
    const replay = this.replay ?? [];
    this.replay = null;
    this.decoder.close();
    const next = new Pass(this.reader, buffered, maxMemory, false, replay);
    next.ended = this.ended;
    if (this.ended) next.decoder.end();
    return next;
  }

  async start(): Promise<void> {
    while (!this.decoder.start()) await this.mustPull();
  }

  async skip(rows: number): Promise<void> {
    for (let left = rows; left > 0; ) {
      const skipped = this.decoder.skip(left);
      left -= skipped;
      if (!skipped) await this.mustPull();
    }
  }

  /** The next band (valid until the next decoder call), or null after the last row. */
  async band(maxRows?: number): Promise<JpegBand | null> {
    for (;;) {
      const band = this.decoder.readBand(maxRows);
      if (band) return band;
      if (this.decoder.done) return null;
      await this.mustPull();
    }
  }

  /** Frees the decoder and stops the read; safe to call more than once. */
  close(): void {
    this.decoder.close();
    this.replay = null;
    if (!this.ended) {
      this.ended = true;
      this.reader.cancel().catch(() => undefined);
    }
  }

  private async mustPull(): Promise<void> {
    if (!(await this.pull())) throw new ImageDecodeError("JPEG ended before its last row");
  }
}

/** Orientations 5–8 swap width and height. */
function transposes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/**
 * Opens a JPEG for band-by-band decoding; the header is read (and the image
 * refused when over `maxPixels`, or when a progressive file's coefficients
 * would pass `maxMemory`) before this resolves. `info` is the upright size.
 * Every decoding failure is an ImageDecodeError; breaking out of the bands
 * early frees the decoder and cancels the read.
 */
export async function openJpegRaster(file: SourceFile, options: JpegRasterOptions): Promise<RasterStream & { close(): Promise<void> }> {
  const first = await Pass.open(file, false, options.maxMemory, true);
  let header: JpegHeader;
  try {
    header = await first.header();
    if (header.width * header.height > options.maxPixels) {
      throw new ImageDecodeError(`The JPEG is ${header.width}×${header.height}, over the limit of ${options.maxPixels} pixels.`, { reason: "too_large" });
    }
    const maxMemory = options.maxMemory ?? DEFAULT_MAX_MEMORY;
    if (header.wholeImageBytes > maxMemory) {
      const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
      throw new ImageDecodeError(`JPEG needs ${mb(header.wholeImageBytes)} for its coefficients, over the ${mb(maxMemory)} limit`, { reason: "too_large" });
    }
  } catch (error) {
    first.close();
    throw error;
  }
  first.decoder.close();

  const { orientation } = header;
  const width = transposes(orientation) ? header.height : header.width;
  const height = transposes(orientation) ? header.width : header.height;
  const bandRows = rowsPerBand(width, options.bandBytes ?? DEFAULT_BAND_BYTES);
  const retained = { bytes: 0 };

  let started = false;
  let closed = false;
  const bands = (async function* (): AsyncGenerator<RowBand> {
    started = true;
    let decode: JpegPasses | null = null;
    try {
      decode = new JpegPasses(file, first, header, options.maxMemory, orientation > 2);
      const transform: CmykToSrgb | null = header.output === "cmyk" ? cmykToSrgbForJpeg(header).transform : null;
      if (orientation <= 2) yield* streamed(decode, transform, bandRows, orientation === 2, retained);
      else yield* slabs(decode, transform, bandRows, options.slabBytes ?? DEFAULT_SLAB_BYTES, retained);
    } finally {
      if (decode) decode.close();
      else first.close();
      retained.bytes = 0;
    }
  })();
  return {
    info: { width, height, hasAlpha: false },
    retainedBytes: () => retained.bytes,
    bands,
    // Bands never read still hold the header's read open.
    close: async () => {
      if (closed) return;
      closed = true;
      if (started) await bands.return(undefined);
      else first.close();
    },
  };
}

/**
 * The passes over one file: the first continues the header's read; later
 * ones read the file again, or, for a progressive file, run another output
 * pass over the coefficients the first one kept.
 */
class JpegPasses {
  private pass: Pass | null;
  private first = true;
  readonly buffered: boolean;

  constructor(
    private readonly file: SourceFile,
    headerPass: Pass,
    readonly header: JpegHeader,
    private readonly maxMemory: number | undefined,
    severalPasses: boolean,
  ) {
    this.buffered = severalPasses && header.wholeImageBytes > 0;
    this.pass = headerPass.handOver(this.buffered, maxMemory);
  }

  /** A started pass from the top row, at full width. */
  async next(): Promise<Pass> {
    if (this.first) {
      this.first = false;
      await this.current().header();
      await this.current().start();
      return this.current();
    }
    if (this.buffered) {
      this.current().decoder.rewind();
      return this.current();
    }
    this.pass?.close();
    this.pass = null;
    this.pass = await Pass.open(this.file, false, this.maxMemory);
    const again = await this.pass.header();
    const h = this.header;
    if (again.width !== h.width || again.height !== h.height || again.colorSpace !== h.colorSpace || again.progressive !== h.progressive) {
      throw new SourceGoneError("The JPEG changed between two reads of one decode.");
    }
    await this.pass.start();
    return this.pass;
  }

  /** Ends a pass that is not wanted any further (a buffered one stays for the next output pass). */
  finish(pass: Pass): void {
    if (!this.buffered) pass.close();
  }

  close(): void {
    this.pass?.close();
    this.pass = null;
  }

  private current(): Pass {
    if (!this.pass) throw new Error("JPEG pass is closed");
    return this.pass;
  }
}

/** RGBA from a decoder band's pixels (RGBA already, or CMYK through the transform). */
function toRgba(transform: CmykToSrgb | null, pixels: Uint8Array, out: Uint8Array): void {
  if (transform) transform.convert(pixels, out);
  else out.set(pixels);
}

function bytesOf(view: Uint8ClampedArray): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Orientations 1 and 2: rows as the file stores them, gathered into bands of `bandRows`. */
async function* streamed(passes: JpegPasses, transform: CmykToSrgb | null, bandRows: number, mirror: boolean, retained: { bytes: number }): AsyncGenerator<RowBand> {
  const { width, height } = passes.header;
  const rowBytes = width * BYTES_PER_PIXEL;
  const out = new BandBuffer(rowBytes);
  const pass = await passes.next();
  let start = 0;
  let filled = 0;
  let target = Math.min(bandRows, height);
  let rows = out.rows(target);
  retained.bytes = out.byteLength;
  while (start < height) {
    const band = await pass.band(target - filled);
    if (!band) throw new ImageDecodeError("JPEG ended before its last row");
    toRgba(transform, band.data, bytesOf(rows).subarray(filled * rowBytes, (filled + band.rows) * rowBytes));
    filled += band.rows;
    if (filled < target) continue;
    if (mirror) {
      const pixels = new Uint32Array(rows.buffer, rows.byteOffset, filled * width);
      for (let r = 0; r < filled; r++) pixels.subarray(r * width, (r + 1) * width).reverse();
    }
    yield { y: start, width, height: filled, rows };
    start += filled;
    filled = 0;
    target = Math.min(bandRows, height - start);
    if (start < height) rows = out.rows(target);
  }
}

/** Orientations 3–8: one pass per slab of upright rows, each handed out in bands before the next pass. */
async function* slabs(passes: JpegPasses, transform: CmykToSrgb | null, bandRows: number, slabBytes: number, retained: { bytes: number }): AsyncGenerator<RowBand> {
  const { width: W, height: H, orientation } = passes.header;
  const transpose = transposes(orientation);
  const outWidth = transpose ? H : W;
  const outHeight = transpose ? W : H;
  const budget = passes.buffered ? Math.min(slabBytes, MULTISCAN_SLAB_BYTES) : slabBytes;
  // As many passes as the budget needs, then slabs of equal height.
  const count = Math.ceil(outHeight / Math.max(1, Math.floor(budget / (outWidth * BYTES_PER_PIXEL))));
  const slabRows = Math.ceil(outHeight / count);
  const slab = new Uint8ClampedArray(slabRows * outWidth * BYTES_PER_PIXEL);
  const scratch = new BandBuffer(W * BYTES_PER_PIXEL);
  try {
    for (let top = 0; top < outHeight; top += slabRows) {
      const rows = Math.min(slabRows, outHeight - top);
      const pass = await passes.next();
      retained.bytes = slab.byteLength + scratch.byteLength;
      if (transpose) await fillColumns(pass, transform, slab, top, rows, scratch);
      else await fillRows(pass, transform, slab, top, rows, scratch);
      passes.finish(pass);
      retained.bytes = slab.byteLength;
      for (let y = 0; y < rows; y += bandRows) {
        const n = Math.min(bandRows, rows - y);
        yield { y: top + y, width: outWidth, height: n, rows: slab.subarray(y * outWidth * BYTES_PER_PIXEL, (y + n) * outWidth * BYTES_PER_PIXEL) };
      }
    }
  } finally {
    release(slab);
  }
}

/**
 * Orientations 3 and 4: upright rows top … top + rows - 1 are stored rows
 * H-1-top down to H-top-rows, in reverse order (and mirrored for 3).
 */
async function fillRows(pass: Pass, transform: CmykToSrgb | null, slab: Uint8ClampedArray, top: number, rows: number, scratch: BandBuffer): Promise<void> {
  const { width: W, height: H, orientation } = pass.decoder.readHeader()!;
  const rowBytes = W * BYTES_PER_PIXEL;
  const first = H - top - rows;
  const end = H - top;
  const maxRows = rowsPerBand(W, TRANSPOSE_BAND_BYTES);
  await pass.skip(first);
  const out = bytesOf(slab);
  const pixels = new Uint32Array(slab.buffer, slab.byteOffset, (slab.byteLength / 4) | 0);
  while (pass.decoder.rowsRead < end) {
    const band = await pass.band(Math.min(maxRows, end - pass.decoder.rowsRead));
    if (!band) throw new ImageDecodeError("JPEG ended before its last row");
    const n = Math.min(band.rows, end - band.y);
    let source = band.data;
    if (transform) {
      source = bytesOf(scratch.rows(n)).subarray(0, n * rowBytes);
      transform.convert(band.data.subarray(0, n * rowBytes), source);
    }
    for (let r = 0; r < n; r++) {
      const to = end - 1 - (band.y + r);
      out.set(source.subarray(r * rowBytes, (r + 1) * rowBytes), to * rowBytes);
      if (orientation === 3) pixels.subarray(to * W, (to + 1) * W).reverse();
    }
  }
}

/**
 * Orientations 5–8: upright row `top + i` is stored column `top + i` (5, 6)
 * or `W-1-top-i` (7, 8), read top to bottom (5, 8) or bottom to top (6, 7).
 * Only those columns are transformed, with one more on each side so that
 * chroma upsampling at the slab's edges sees the same neighbours as a full
 * decode.
 */
async function fillColumns(pass: Pass, transform: CmykToSrgb | null, slab: Uint8ClampedArray, top: number, rows: number, scratch: BandBuffer): Promise<void> {
  const { width: W, height: H, orientation } = pass.decoder.readHeader()!;
  const low = orientation <= 6 ? top : W - top - rows;
  const high = low + rows;
  const from = Math.max(0, low - 1);
  const crop = pass.decoder.crop(from, Math.min(W, high + 1) - from);
  const maxRows = Math.max(MIN_TRANSPOSE_ROWS, Math.floor(TRANSPOSE_BAND_BYTES / (crop.width * BYTES_PER_PIXEL)));
  const out = new Uint32Array(slab.buffer, slab.byteOffset, rows * H);
  const upward = orientation === 6 || orientation === 7;
  for (let band = await pass.band(maxRows); band; band = await pass.band(maxRows)) {
    let data = band.data;
    if (transform) {
      data = bytesOf(scratch.rows(band.rows)).subarray(0, band.data.length);
      transform.convert(band.data, data);
    }
    transposeBand(new Uint32Array(data.buffer, data.byteOffset, band.rows * band.width), band, out, H, low, high, orientation <= 6, upward);
  }
}

/**
 * Columns `low` … `high - 1` of a band into the slab, each becoming part of
 * an upright row (`ascending`: column `low` is the slab's first row, else its
 * last). A plain function: V8 optimizes its loops, which it would not do as
 * well inside the async caller.
 */
function transposeBand(source: Uint32Array, band: JpegBand, out: Uint32Array, H: number, low: number, high: number, ascending: boolean, upward: boolean): void {
  const stride = band.width;
  const rows = band.rows;
  for (let c = low; c < high; c++) {
    const line = (ascending ? c - low : high - 1 - c) * H;
    let at = c - band.x;
    if (upward) {
      let to = line + H - 1 - band.y;
      for (let r = 0; r < rows; r++, at += stride) out[to--] = source[at]!;
    } else {
      let to = line + band.y;
      for (let r = 0; r < rows; r++, at += stride) out[to++] = source[at]!;
    }
  }
}
