/**
 * Row-streaming JPEG decoding: bytes go in as they arrive, decoded rows come
 * out in bands, and no whole frame ever exists. libjpeg-turbo 2.1.5 in wasm
 * (wasm/jpeg-stream/: jpeg_stream.c, build.sh) with a suspending data source:
 * when the bytes pushed so far are used up it stops where it is and goes on
 * once more arrive.
 *
 * Memory, in the decoder's wasm heap:
 * - baseline (one scan, all components interleaved): an MCU row of state,
 *   the band, and an input window of at most a marker segment plus one
 *   64 KB feed; about 2 MB for a 25 MP photo;
 * - progressive or multi-scan: every DCT coefficient (2 bytes each) until
 *   the last scan, `header.wholeImageBytes`: 3 bytes per pixel at 4:2:0,
 *   4 at 4:2:2, 6 at 4:4:4 (36 MB for a 12 MP 4:2:0 photo). Refused beyond
 *   `maxMemory`. A `buffered` decoder keeps them past the last row for more
 *   output passes (`rewind`).
 *
 * For passes over part of an image (EXIF rotation, jpeg-bands.ts), `crop`
 * limits a pass to a run of columns and `skip` passes over rows: both leave
 * out the inverse DCT, upsampling and colour conversion of what is not
 * wanted, about two thirds of a baseline decode (entropy decoding, the
 * rest, cannot be skipped in a single scan).
 *
 * One wasm instance serves every decoder of the isolate; it is dropped (so
 * its memory can be collected) when the last decoder closes with the heap
 * grown past KEEP_HEAP_BYTES, and after any trap.
 */
import { JPEG_STREAM_WASM } from "../../wasm/jpeg-stream";
import { ImageDecodeError, type DecodeFailure } from "./errors";
import { exifOrientation } from "./orientation";

export type JpegColorSpace = "grey" | "rgb" | "ycbcr" | "cmyk" | "ycck";

export interface JpegHeader {
  width: number;
  height: number;
  /** Components in the file: 1 grey, 3 YCbCr or RGB, 4 CMYK or YCCK. */
  components: number;
  colorSpace: JpegColorSpace;
  progressive: boolean;
  arithmetic: boolean;
  /** Horizontal and vertical sampling factor of each component. */
  samplingFactors: [number, number][];
  /** "4:2:0", "4:2:2", "4:4:4", "4:4:0", "4:1:1" for three components; null otherwise. */
  subsampling: string | null;
  /** MCUs between restart markers as the header sets it (0: none). */
  restartInterval: number;
  /** JFIF density; unit "aspect" means x:y is only a pixel aspect ratio. Null without a JFIF marker. */
  density: { unit: "aspect" | "inch" | "cm"; x: number; y: number } | null;
  /** Adobe APP14 colour transform (0 none, 1 YCbCr, 2 YCCK), null without the marker. */
  adobeTransform: number | null;
  /** The ICC profile from the APP2 chunks, reassembled; null when absent or malformed. */
  icc: Uint8Array | null;
  /** EXIF orientation 1–8 (1 when absent); rows come out as stored, not rotated. */
  orientation: number;
  /** What bands hold: RGB(A) for grey, YCbCr and RGB files; raw CMYK for CMYK and YCCK ones. */
  output: "rgb" | "rgba" | "cmyk";
  channels: 3 | 4;
  /**
   * CMYK output is inverted (255 = no ink), as Photoshop writes it: true
   * whenever the file has an Adobe marker, which is how every reader
   * decides. Convert through the ICC profile (or 255 - v) before use.
   */
  cmykInverted: boolean;
  /** Bytes of the coefficient buffer progressive and multi-scan files need (0 for baseline). */
  wholeImageBytes: number;
}

/** Decoded rows `y` to `y + rows - 1`, columns `x` to `x + width - 1` (all of them unless cropped), `width * channels` bytes a row. */
export interface JpegBand {
  y: number;
  rows: number;
  x: number;
  width: number;
  /** A view into the decoder's heap, valid until the next call on any JPEG stream decoder: copy what you keep. */
  data: Uint8Array;
}

export interface JpegStreamOptions {
  /** Output for grey, YCbCr and RGB files (CMYK files give CMYK); default "rgba". */
  format?: "rgb" | "rgba";
  /** Rows per band (default 16, an MCU row at 4:2:0). */
  bandRows?: number;
  /** Corrupt entropy data is an error (default); otherwise libjpeg's warnings are counted and decoding goes on. */
  strict?: boolean;
  /** Largest coefficient buffer a progressive or multi-scan file may take (default 96 MiB). */
  maxMemory?: number;
  /**
   * Progressive and multi-scan files keep their coefficients after the last
   * row, so `rewind()` can run another output pass without reading the file
   * again. Single-scan files are not buffered either way.
   */
  buffered?: boolean;
}

/** The decoder's wasm heap is kept between images up to this size; a larger one is let go with its last decoder. */
const KEEP_HEAP_BYTES = 16 * 1024 * 1024;
/** Input is copied into the heap this much at a time, only when the decoder has used up what it has. */
const FEED_BYTES = 64 * 1024;
/** Default `maxMemory`: the largest coefficient buffer a progressive or multi-scan file may take. */
export const DEFAULT_MAX_MEMORY = 96 * 1024 * 1024;

interface Exports {
  memory: WebAssembly.Memory;
  stack_get(): number;
  stack_set(sp: number): void;
  create(channels: number, strict: number, maxMemory: number, buffered: number): number;
  destroy(d: number): void;
  info(d: number): number;
  input(d: number, n: number): number;
  commit(d: number, n: number): void;
  end(d: number): void;
  header(d: number): number;
  app1(d: number, index: number): number;
  drop_icc(d: number): void;
  start(d: number): number;
  rewind(d: number): void;
  crop(d: number, x: number, width: number): number;
  skip(d: number, rows: number): number;
  rows(d: number, maxRows: number): number;
  band_ptr(d: number): number;
}

// Slots of the C side's info array (jpeg_stream.c, enum I_*).
const I = {
  width: 0, height: 1, components: 2, colorSpace: 3, progressive: 4, arithmetic: 5,
  sawJfif: 6, densityUnit: 7, xDensity: 8, yDensity: 9, sawAdobe: 10, adobeTransform: 11,
  outColorSpace: 12, outChannels: 13, wholeLo: 14, wholeHi: 15, iccPtr: 16, iccLen: 17,
  scanline: 18, warnings: 19, warningPtr: 20, restartInterval: 21, markerLen: 22, sampling: 23,
  outputWidth: 31, cropX: 32, count: 33,
} as const;

const COLOR_SPACES: Record<number, JpegColorSpace> = { 1: "grey", 2: "rgb", 3: "ycbcr", 4: "cmyk", 5: "ycck" };

/** libjpeg's messages for files that are valid JPEG but use what this build does not decode (12-bit and lossless, other colour transforms). */
const UNSUPPORTED = /^(Unsupported JPEG (data precision|process)|Unsupported color conversion|Requested feature was omitted)/;

/** What the C side's fail() throws: libjpeg's error message, the heap intact. */
class LibjpegError extends Error {}

interface Instance {
  exports: Exports;
  /** The shadow stack pointer when no call is running; put back after a throw unwinds wasm frames. */
  stackBase: number;
  open: number;
  broken: boolean;
}

let shared: Instance | undefined;

function cString(memory: WebAssembly.Memory, ptr: number): string {
  const bytes = new Uint8Array(memory.buffer, ptr);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(bytes.subarray(0, end < 0 ? 0 : end));
}

function instantiate(): Instance {
  let memory: WebAssembly.Memory | undefined;
  const imports = {
    env: {
      fail(ptr: number): never {
        throw new LibjpegError(memory ? cString(memory, ptr) : "JPEG decoding failed");
      },
    },
  };
  const instance = new WebAssembly.Instance(JPEG_STREAM_WASM, imports);
  const exports = instance.exports as unknown as Exports;
  memory = exports.memory;
  return { exports, stackBase: exports.stack_get(), open: 0, broken: false };
}

/** Size of the decoders' wasm heap now (for measurements), 0 when there is no instance. */
export function jpegStreamHeapBytes(): number {
  return shared ? shared.exports.memory.buffer.byteLength : 0;
}

export class JpegStreamDecoder {
  private readonly wasm: Instance;
  private handle: number;
  private readonly queue: Uint8Array[] = [];
  private queueOffset = 0;
  /** Bytes in the queue not yet copied into the heap. */
  private queued = 0;
  private ended = false;
  private endSent = false;
  private info: JpegHeader | null = null;
  private nextRow = 0;
  private readonly bandRows: number;
  private readonly maxMemory: number;
  private readonly buffered: boolean;
  private started = false;

  constructor(options: JpegStreamOptions = {}) {
    this.bandRows = Math.max(1, Math.floor(options.bandRows ?? 16));
    this.maxMemory = options.maxMemory ?? DEFAULT_MAX_MEMORY;
    this.buffered = options.buffered ?? false;
    if (!shared || shared.broken) shared = instantiate();
    this.wasm = shared;
    this.wasm.open++;
    this.handle = this.call((e) => e.create(options.format === "rgb" ? 3 : 4, options.strict === false ? 0 : 1, Math.min(this.maxMemory, 0xffffffff), this.buffered ? 1 : 0));
    if (!this.handle) {
      this.close();
      throw new ImageDecodeError("JPEG decoder: out of memory");
    }
  }

  /** Adds input. The bytes are read later, as decoding needs them: do not change them until the decoder is done. */
  push(chunk: Uint8Array): void {
    this.assertOpen();
    if (this.ended) throw new Error("push after end");
    if (chunk.length) {
      this.queue.push(chunk);
      this.queued += chunk.length;
    }
  }

  /** No more input: running out of it from now on is a truncated file. */
  end(): void {
    this.ended = true;
  }

  /** Rows decoded so far. */
  get rowsRead(): number {
    return this.nextRow;
  }

  get done(): boolean {
    return this.info !== null && this.nextRow >= this.info.height;
  }

  /** libjpeg's warnings so far (only non-strict decoding goes on past corrupt data), with the last message. */
  get warnings(): { count: number; last: string | null } {
    if (!this.handle) return { count: 0, last: null };
    const f = this.fields();
    const count = f[I.warnings]!;
    return { count, last: count ? cString(this.wasm.exports.memory, f[I.warningPtr]!) : null };
  }

  /** The header once enough input has arrived, else null (push more). */
  readHeader(): JpegHeader | null {
    this.assertOpen();
    if (this.info) return this.info;
    while (!this.call((e) => e.header(this.handle))) {
      if (!this.feed()) return null;
    }
    this.info = this.readInfo();
    return this.info;
  }

  /**
   * Starts the output: true once rows can be read (and `crop` or `skip`
   * called), false when more input is needed first. Progressive and
   * multi-scan files start once their last scan is in. `readBand` starts
   * the decoder by itself.
   */
  start(): boolean {
    this.assertOpen();
    if (this.started) return true;
    const header = this.readHeader();
    if (!header) return false;
    if (header.wholeImageBytes > this.maxMemory) {
      const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
      this.fail(`JPEG needs ${mb(header.wholeImageBytes)} for its coefficients (${header.progressive ? "progressive" : "multi-scan"}), over the ${mb(this.maxMemory)} limit`, undefined, "too_large");
    }
    // libjpeg's arithmetic decoder cannot suspend: it gets the rest of the file at once (such files are rare).
    if (header.arithmetic && !this.endSent) {
      if (!this.ended) return false;
      while (this.feed(Infinity));
    }
    while (!this.call((e) => e.start(this.handle))) {
      if (!this.feed()) return false;
    }
    this.started = true;
    return true;
  }

  /**
   * Limits this output pass to columns `x` to `x + width - 1`, before its
   * first row: the other columns are entropy-decoded but never transformed,
   * upsampled or converted. libjpeg starts the rows at an iMCU boundary at or
   * left of `x` and keeps the right edge: bands then start at the returned
   * `x` and are `width` wide. Call after `start()`.
   */
  crop(x: number, width: number): { x: number; width: number } {
    this.assertOpen();
    const header = this.info;
    if (!this.started || !header) throw new Error("crop before start");
    if (this.nextRow !== 0) throw new Error("crop after the first row");
    if (!(Number.isInteger(x) && Number.isInteger(width) && x >= 0 && width >= 1 && x + width <= header.width)) throw new RangeError(`crop ${x}+${width} outside 0..${header.width}`);
    const at = this.call((e) => e.crop(this.handle, x, width));
    return { x: at, width: this.fields()[I.outputWidth]! };
  }

  /**
   * Passes over up to `rows` rows without transforming them (a single-scan
   * file still has to entropy-decode them); returns how many, 0 when more
   * input is needed first. Call after `start()`.
   */
  skip(rows: number): number {
    this.assertOpen();
    if (!this.started) throw new Error("skip before start");
    let skipped = 0;
    while (skipped < rows && !this.done) {
      const n = this.call((e) => e.skip(this.handle, rows - skipped));
      if (n > 0) {
        skipped += n;
        this.nextRow += n;
        continue;
      }
      if (!this.feed()) break;
    }
    return skipped;
  }

  /**
   * Another output pass from the top at full width, for a decoder made with
   * `buffered` whose file has several scans (`header.wholeImageBytes > 0`),
   * once started: the coefficients are still there, no input is read.
   */
  rewind(): void {
    this.assertOpen();
    if (!this.buffered || !this.started || !this.info?.wholeImageBytes) throw new Error("rewind needs a started buffered decoder of a multi-scan file");
    this.call((e) => e.rewind(this.handle));
    this.nextRow = 0;
  }

  /**
   * The next band of rows; null when more input is needed first (push more,
   * or end()) and after the last row (see `done`). Progressive files give
   * their first band only once their last scan is in. `maxRows` overrides
   * the decoder's `bandRows` for this band.
   */
  readBand(maxRows = this.bandRows): JpegBand | null {
    this.assertOpen();
    if (!this.start() || this.done) return null;
    const header = this.info!;
    for (;;) {
      const rows = this.call((e) => e.rows(this.handle, Math.max(1, Math.floor(maxRows))));
      const f = this.fields();
      if (rows > 0) {
        const e = this.wasm.exports;
        const y = this.nextRow;
        this.nextRow += rows;
        const width = f[I.outputWidth]!;
        const data = new Uint8Array(e.memory.buffer, e.band_ptr(this.handle), rows * width * header.channels);
        return { y, rows, x: f[I.cropX]!, width, data };
      }
      if (f[I.scanline]! >= header.height) {
        this.nextRow = header.height;
        return null;
      }
      if (!this.feed()) return null;
    }
  }

  /** Frees the decoder's memory; safe to call more than once. */
  close(): void {
    if (this.handle) {
      const handle = this.handle;
      this.handle = 0;
      if (!this.wasm.broken) this.call((e) => e.destroy(handle));
    }
    if (this.wasm.open > 0) {
      this.wasm.open--;
      this.queue.length = 0;
      this.queued = 0;
      // A heap grown by a large progressive file would otherwise stay for the isolate's life.
      if (this.wasm.open === 0 && shared === this.wasm && this.wasm.exports.memory.buffer.byteLength > KEEP_HEAP_BYTES) shared = undefined;
    }
  }

  /** Copies up to `limit` bytes of queued input into the heap (or tells the decoder the input has ended); false when there is nothing to give yet. */
  private feed(limit = FEED_BYTES): boolean {
    const e = this.wasm.exports;
    if (!this.queue.length) {
      if (!this.ended || this.endSent) return false;
      this.endSent = true;
      e.end(this.handle);
      return true;
    }
    const want = Math.min(this.queued, limit);
    const at = this.call((x) => x.input(this.handle, want));
    if (!at) this.fail("JPEG decoder: out of memory for input");
    const heap = new Uint8Array(e.memory.buffer, at, want);
    let filled = 0;
    while (filled < want) {
      const head = this.queue[0]!;
      const take = Math.min(head.length - this.queueOffset, want - filled);
      heap.set(head.subarray(this.queueOffset, this.queueOffset + take), filled);
      filled += take;
      this.queueOffset += take;
      if (this.queueOffset === head.length) {
        this.queue.shift();
        this.queueOffset = 0;
      }
    }
    this.queued -= want;
    e.commit(this.handle, want);
    return true;
  }

  private fields(): Int32Array {
    const e = this.wasm.exports;
    return new Int32Array(e.memory.buffer, e.info(this.handle), I.count);
  }

  private readInfo(): JpegHeader {
    const e = this.wasm.exports;
    const f = this.fields();
    const components = f[I.components]!;
    const samplingFactors: [number, number][] = [];
    for (let i = 0; i < Math.min(components, 4); i++) samplingFactors.push([f[I.sampling + 2 * i]!, f[I.sampling + 2 * i + 1]!]);
    let icc: Uint8Array | null = null;
    if (f[I.iccPtr]) {
      icc = new Uint8Array(e.memory.buffer, f[I.iccPtr]!, f[I.iccLen]!).slice();
      e.drop_icc(this.handle);
    }
    let orientation = 1;
    for (let i = 0; ; i++) {
      const ptr = e.app1(this.handle, i);
      if (!ptr) break;
      const data = new Uint8Array(e.memory.buffer, ptr, this.fields()[I.markerLen]!);
      if (data.length >= 12 && String.fromCharCode(...data.subarray(0, 6)) === "Exif\0\0") {
        const o = exifOrientation(data);
        if (o > 0) {
          orientation = o > 8 ? 1 : o;
          break;
        }
      }
    }
    const g = this.fields();
    const channels = g[I.outChannels] === 3 ? 3 : 4;
    const cmyk = g[I.outColorSpace] === 4;
    const units = ["aspect", "inch", "cm"] as const;
    return {
      width: g[I.width]!,
      height: g[I.height]!,
      components,
      colorSpace: COLOR_SPACES[g[I.colorSpace]!] ?? "rgb",
      progressive: g[I.progressive] !== 0,
      arithmetic: g[I.arithmetic] !== 0,
      samplingFactors,
      subsampling: subsamplingName(samplingFactors),
      restartInterval: g[I.restartInterval]!,
      density: g[I.sawJfif] ? { unit: units[g[I.densityUnit]!] ?? "aspect", x: g[I.xDensity]!, y: g[I.yDensity]! } : null,
      adobeTransform: g[I.sawAdobe] ? g[I.adobeTransform]! : null,
      icc,
      orientation,
      output: cmyk ? "cmyk" : channels === 3 ? "rgb" : "rgba",
      channels,
      cmykInverted: cmyk && g[I.sawAdobe] !== 0,
      wholeImageBytes: (g[I.wholeLo]! >>> 0) + (g[I.wholeHi]! >>> 0) * 2 ** 32,
    };
  }

  private assertOpen(): void {
    if (!this.handle) throw new Error("JPEG decoder is closed");
  }

  /** Frees the decoder and throws an ImageDecodeError. */
  private fail(message: string, cause?: unknown, reason: DecodeFailure = "damaged"): never {
    this.close();
    throw new ImageDecodeError(message, { ...(cause === undefined ? {} : { cause }), reason });
  }

  /**
   * Runs one call into the module. libjpeg's errors arrive as LibjpegError
   * thrown through the wasm frames: the stack pointer is put back and the
   * decoder freed, and the instance goes on serving others. A trap (a bug,
   * not bad input) leaves the heap in doubt, so the instance is retired.
   */
  private call<T>(run: (exports: Exports) => T): T {
    if (this.wasm.broken) this.fail("JPEG decoder was reset after an internal error");
    try {
      return run(this.wasm.exports);
    } catch (error) {
      this.wasm.exports.stack_set(this.wasm.stackBase);
      if (!(error instanceof LibjpegError)) {
        this.wasm.broken = true;
        if (shared === this.wasm) shared = undefined;
      }
      if (!(error instanceof LibjpegError)) this.fail("JPEG decoding failed", error);
      this.fail(`JPEG: ${error.message}`, error, UNSUPPORTED.test(error.message) ? "unsupported" : "damaged");
    }
  }
}

function subsamplingName(factors: [number, number][]): string | null {
  if (factors.length !== 3) return null;
  const [[yh, yv], [ch, cv], [dh, dv]] = factors as [[number, number], [number, number], [number, number]];
  if (ch !== dh || cv !== dv || yh % ch || yv % cv) return null;
  const h = yh / ch;
  const v = yv / cv;
  return ({ "1,1": "4:4:4", "2,1": "4:2:2", "2,2": "4:2:0", "1,2": "4:4:0", "4,1": "4:1:1" } as Record<string, string>)[`${h},${v}`] ?? null;
}

/** Anything that delivers a file's bytes: a response body, chunks, or the whole file. */
export type JpegSource = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Uint8Array;

/**
 * Decodes `source` band by band as its bytes arrive: `onHeader` once the
 * header is in (it may throw to refuse the image before any pixel is
 * decoded), then `onBand` for each band in order. Returns the header.
 */
export async function decodeJpegStream(
  source: JpegSource,
  handlers: { onHeader?: (header: JpegHeader) => void | Promise<void>; onBand: (band: JpegBand, header: JpegHeader) => void | Promise<void> },
  options?: JpegStreamOptions,
): Promise<JpegHeader> {
  const decoder = new JpegStreamDecoder(options);
  try {
    let header: JpegHeader | null = null;
    const drain = async () => {
      if (!header) {
        header = decoder.readHeader();
        if (!header) return;
        await handlers.onHeader?.(header);
      }
      for (let band = decoder.readBand(); band; band = decoder.readBand()) await handlers.onBand(band, header);
    };
    if (source instanceof ReadableStream) {
      const reader = source.getReader();
      try {
        for (let read = await reader.read(); !read.done; read = await reader.read()) {
          decoder.push(read.value);
          await drain();
        }
      } catch (error) {
        // The rest of the body is not wanted: stop fetching it.
        await reader.cancel(error).catch(() => undefined);
        throw error;
      } finally {
        reader.releaseLock();
      }
    } else {
      for await (const chunk of source instanceof Uint8Array ? [source] : source) {
        decoder.push(chunk);
        await drain();
      }
    }
    decoder.end();
    await drain();
    if (!header || !decoder.done) throw new ImageDecodeError("JPEG ended before its last row");
    return header;
  } finally {
    decoder.close();
  }
}
