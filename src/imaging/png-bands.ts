import { Unzlib } from "fflate";
import { ImageDecodeError } from "./errors";
import type { OpenRasterOptions } from "./open-raster";
import { checkInterlacedBytes, MAX_TRAILING_DATA_BYTES, PngChunkReader, PngRows, type PngHeader } from "./png-core";
import { BandBuffer, BYTES_PER_PIXEL, DEFAULT_BAND_BYTES, rowsPerBand, type RasterStream, type RowBand } from "./raster-stream";
import type { SourceFile } from "./source-file";

/**
 * Row-streaming PNG decoding: the file is read as a stream, its image data
 * inflated as it arrives, and RGBA rows handed out in bands, so neither the
 * file (40–75 MB for 25 MP) nor the frame (100 MB) is ever held. Decoding
 * is png-core.ts's, the same as decodePng's.
 *
 * Memory: one band (`bandBytes`, 1 MiB by default), two scanlines, the
 * inflater's output buffer (OUTPUT_BYTES, 4.2 MB) and the chunk of the
 * file being read: 5.1 MB with the default band, whatever the image's
 * size. An interlaced file also holds
 * Adam7's passes 1–6 (about half its raw data) until pass 7 begins,
 * refused beyond MAX_INTERLACED_BYTES (48 MiB).
 *
 * Inflating: the runtime's zlib (DecompressionStream "deflate"), 3–5×
 * faster in workerd than fflate's Unzlib: a 25 MP RGB photo's 44 MB of
 * image data inflated in 0.38 s, against 1.71 s in fflate's 4 KiB pushes
 * and 1.16 s in 64 KiB ones (bench/png-bands.mjs). That stream inflates
 * all of every write before the write resolves, with no backpressure, so it
 * is written 4 KiB at a time and read into a buffer more than 4 KiB can
 * ever inflate to: a zlib bomb is refused within 4 MB of inflating past its
 * last scanline, as decodePng refuses it. What zlib refuses and fflate takes
 * (a wrong Adler-32, bytes after the end of the stream) is inflated again
 * with fflate from the first IDAT, skipping what was decoded. Where
 * DecompressionStream is not a byte stream (Node), fflate inflates it all.
 */

/** Compressed bytes per write to the inflater. */
const PIECE_BYTES = 4096;
/**
 * The inflater's output is read into a buffer this large: deflate expands
 * at most 1032:1 (258 bytes for 2 bits), and zlib holds fewer than 8 bytes
 * of input back, so one piece's output always fits and each read takes
 * everything the inflater has.
 */
const OUTPUT_BYTES = 1032 * (PIECE_BYTES + 8) + 1024;

const damaged = (message: string, cause?: unknown) => new ImageDecodeError(message, { reason: "damaged", cause });

/** The inflater refused the data (as opposed to the file ending or failing to arrive). */
class InflateFailure extends Error {}

/**
 * A PNG's image data as the file streams in, in pieces of PIECE_BYTES (the
 * last one shorter): views into the file's chunks where they hold a whole
 * piece, else gathered into a buffer of its own, so a file arriving in
 * small chunks or split into small IDATs is not inflated a few bytes at a
 * time. A piece is valid until the next call.
 */
class IdatStream {
  private pending: Uint8Array | null;
  private ended = false;
  private gathered: Uint8Array | null = null;

  constructor(
    private readonly chunks: PngChunkReader,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    first: Uint8Array | null,
  ) {
    this.pending = first;
  }

  /** The next piece, null after IEND. */
  async next(): Promise<Uint8Array | null> {
    let filled = 0;
    for (;;) {
      if (this.pending?.length) {
        if (!filled && this.pending.length >= PIECE_BYTES) {
          const piece = this.pending.subarray(0, PIECE_BYTES);
          this.pending = this.pending.subarray(PIECE_BYTES);
          return piece;
        }
        this.gathered ??= new Uint8Array(PIECE_BYTES);
        const n = Math.min(PIECE_BYTES - filled, this.pending.length);
        this.gathered.set(this.pending.subarray(0, n), filled);
        this.pending = this.pending.subarray(n);
        filled += n;
        if (filled === PIECE_BYTES) return this.gathered;
        continue;
      }
      if (this.ended) return filled ? this.gathered!.subarray(0, filled) : null;
      const event = this.chunks.next();
      if (!event) {
        const { done, value } = await this.reader.read();
        if (done) this.chunks.end();
        else this.chunks.push(value);
      } else if (event.type === "data") {
        this.pending = event.bytes;
      } else if (event.type === "end") {
        this.ended = true;
        // Nothing after IEND is read.
        await this.cancel();
      }
    }
  }

  bufferedBytes(): number {
    return this.chunks.bufferedBytes() + (this.gathered?.byteLength ?? 0);
  }

  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }
}

const WROTE: unique symbol = Symbol("wrote");

function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/**
 * The runtime's DecompressionStream, kept within bounds. A write inflates
 * everything it is given before it resolves, and a read takes all there is
 * (up to its buffer, OUTPUT_BYTES, more than one piece's output). A read is
 * always waiting when a piece is written, and the next piece is written
 * only once the last write has resolved, so the stream never holds more
 * than two pieces' output. A write resolves before the read it filled, and
 * a piece may inflate to nothing, so the next write does not wait for that
 * read; after two writes with no read between them it waits one turn of
 * the event loop for it.
 */
class NativeInflater {
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private readonly reader: ReadableStreamBYOBReader;
  private buffer = new ArrayBuffer(OUTPUT_BYTES);
  private reading: Promise<ReadableStreamReadResult<Uint8Array>> | null = null;
  private writing: Promise<unknown> | null = null;
  private writesUnread = 0;
  private closed = false;

  private constructor(stream: DecompressionStream, reader: ReadableStreamBYOBReader) {
    this.writer = stream.writable.getWriter();
    this.reader = reader;
  }

  /** Null where DecompressionStream's output is not a byte stream (Node's): fflate inflates there. */
  static create(): NativeInflater | null {
    const stream = new DecompressionStream("deflate");
    try {
      return new NativeInflater(stream, stream.readable.getReader({ mode: "byob" }));
    } catch {
      return null;
    }
  }

  /** The next output (valid until the next call), null at the end; `more` gives compressed pieces, null when there are no more. */
  async next(more: () => Promise<Uint8Array | null>): Promise<Uint8Array | null> {
    for (;;) {
      this.reading ??= handled(this.reader.read(new Uint8Array(this.buffer)));
      if (!this.writing && !this.closed) {
        if (this.writesUnread >= 2) await Promise.race([this.reading.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 0))]);
        const piece = await more();
        if (piece) {
          this.writing = handled(this.writer.write(piece));
          this.writesUnread++;
        } else {
          this.writing = handled(this.writer.close());
          this.closed = true;
        }
      }
      let result: ReadableStreamReadResult<Uint8Array> | typeof WROTE;
      try {
        result = await (this.writing ? Promise.race([this.reading, this.writing.then((): typeof WROTE => WROTE)]) : this.reading);
      } catch (error) {
        throw new InflateFailure(error instanceof Error ? error.message : String(error), { cause: error });
      }
      if (result === WROTE) {
        this.writing = null;
        continue;
      }
      this.reading = null;
      this.writesUnread = 0;
      if (result.done || !result.value) return null;
      this.buffer = result.value.buffer as ArrayBuffer;
      return result.value;
    }
  }

  retainedBytes(): number {
    return OUTPUT_BYTES;
  }

  close(): void {
    this.writer.abort().catch(() => undefined);
    this.reader.cancel().catch(() => undefined);
  }
}

/** fflate's inflater over the same pieces: for what zlib refuses. Output past `skip` bytes only (what was already decoded). */
class FflateInflater {
  private readonly queue: Uint8Array[] = [];
  private readonly unzlib = new Unzlib((data) => void this.queue.push(data));
  private finalPushed = false;

  constructor(
    private skip: number,
    private readonly rowsDone: () => boolean,
  ) {}

  async next(more: () => Promise<Uint8Array | null>): Promise<Uint8Array | null> {
    for (;;) {
      let out = this.queue.shift();
      if (out && this.skip) {
        const n = Math.min(this.skip, out.length);
        this.skip -= n;
        out = out.subarray(n);
      }
      if (out?.length) return out;
      if (out) continue;
      if (this.finalPushed) return null;
      const piece = await more();
      try {
        if (piece) this.unzlib.push(piece);
        else {
          this.finalPushed = true;
          // As decodePng: the end is only marked for a stream the scanlines still need.
          if (!this.rowsDone()) this.unzlib.push(new Uint8Array(0), true);
        }
      } catch (error) {
        throw new InflateFailure(error instanceof Error ? error.message : String(error), { cause: error });
      }
    }
  }

  retainedBytes(): number {
    return this.queue.reduce((sum, q) => sum + q.length, 0);
  }

  close(): void {
    this.queue.length = 0;
  }
}

/**
 * Inflated image data from IDAT to IEND. After the last scanline it inflates
 * only MAX_TRAILING_DATA_BYTES more, to measure the surplus, and ignores
 * the inflater's complaints (checksum, padding).
 */
class PngInflate {
  private inflater: NativeInflater | FflateInflater;
  private delivered = 0;
  private trailing = 0;
  private stopped = false;

  constructor(
    private readonly file: SourceFile,
    private readonly header: PngHeader,
    private readonly firstDataOffset: number,
    private data: IdatStream,
    private readonly rowsDone: () => boolean,
  ) {
    this.inflater = NativeInflater.create() ?? new FflateInflater(0, rowsDone);
  }

  async next(): Promise<Uint8Array | null> {
    while (!this.stopped) {
      try {
        const out = await this.inflater.next(() => this.more());
        if (!out) break;
        this.delivered += out.length;
        return out;
      } catch (error) {
        if (!(error instanceof InflateFailure)) throw error;
        this.inflater.close();
        if (this.rowsDone()) this.stopped = true;
        else if (this.inflater instanceof NativeInflater) await this.restartWithFflate();
        else throw damaged(`PNG image data is corrupt (${error.message})`, error.cause);
      }
    }
    // The rest of the image data is skipped, up to IEND.
    while (await this.data.next());
    return null;
  }

  retainedBytes(): number {
    return this.inflater.retainedBytes() + this.data.bufferedBytes();
  }

  async close(): Promise<void> {
    this.inflater.close();
    await this.data.cancel();
  }

  private async more(): Promise<Uint8Array | null> {
    const piece = await this.data.next();
    if (piece && this.rowsDone() && (this.trailing += piece.length) > MAX_TRAILING_DATA_BYTES) {
      this.stopped = true;
      return null;
    }
    return piece;
  }

  /** Reads the file again from its first IDAT chunk, skipping the output already decoded. */
  private async restartWithFflate(): Promise<void> {
    await this.data.cancel();
    const chunks = new PngChunkReader({ fromChunk: { header: this.header, offset: this.firstDataOffset } });
    this.data = new IdatStream(chunks, (await this.file.stream(this.firstDataOffset)).getReader(), null);
    this.inflater = new FflateInflater(this.delivered, this.rowsDone);
    this.trailing = 0;
  }
}

function checkPixels(header: PngHeader, maxPixels: number): void {
  if (header.width * header.height > maxPixels) {
    throw new ImageDecodeError(`${header.width}×${header.height} px is over the limit of ${maxPixels} pixels`, { reason: "too_large" });
  }
}

/**
 * Opens a PNG for row-streaming decoding: resolves once the chunks before
 * the first IDAT are read (size, colour type, palette, transparency), then
 * decodes as the bands are iterated. An image over `maxPixels`, or an
 * interlaced one over MAX_INTERLACED_BYTES, is refused from its header.
 * Every failure to decode is an ImageDecodeError; breaking out of the bands
 * stops reading the file.
 */
export async function openPngRaster(file: SourceFile, options: OpenRasterOptions): Promise<RasterStream & { close(): Promise<void> }> {
  const reader = (await file.stream()).getReader();
  const chunks = new PngChunkReader();
  let first: Uint8Array | null = null;
  try {
    while (!first) {
      const event = chunks.next();
      if (!event) {
        const { done, value } = await reader.read();
        if (done) chunks.end();
        else chunks.push(value);
      } else if (event.type === "header") {
        checkPixels(chunks.header!, options.maxPixels);
        checkInterlacedBytes(chunks.header!);
      } else if (event.type === "data") {
        first = event.bytes;
      }
      // "end" before any data is thrown by the reader.
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }

  const header = chunks.header!;
  const { width, height, colour } = header;
  const rows = new PngRows(header, chunks.palette, chunks.transparency);
  const inflate = new PngInflate(file, header, chunks.firstDataOffset, new IdatStream(chunks, reader, first), () => rows.done);
  const band = new BandBuffer(width * BYTES_PER_PIXEL);
  const bandRows = rowsPerBand(width, options.bandBytes ?? DEFAULT_BAND_BYTES);
  let open = true;

  let started = false;
  async function* bands(): AsyncGenerator<RowBand> {
    started = true;
    try {
      let y = 0;
      let out = band.rows(Math.min(bandRows, height));
      rows.setOutput(out, y);
      let data: Uint8Array = new Uint8Array(0);
      let at = 0;
      for (;;) {
        at = rows.write(data, at);
        const end = y + out.length / (width * BYTES_PER_PIXEL);
        if (rows.rowsOut === end && end < height) {
          yield { y, width, height: end - y, rows: out };
          y = end;
          out = band.rows(Math.min(bandRows, height - y));
          rows.setOutput(out, y);
          continue;
        }
        if (at < data.length) throw new Error(`PNG rows stalled at row ${rows.rowsOut} of ${height}`);
        const next = await inflate.next();
        if (!next) break;
        data = next;
        at = 0;
      }
      // The last band goes out only after IEND, so a consumer that got every row got a whole file.
      if (rows.rowsOut < height) throw damaged("PNG data ends early; the file may be truncated");
      yield { y, width, height: height - y, rows: out };
    } finally {
      open = false;
      await inflate.close();
      rows.release();
    }
  }

  const iterator = bands();
  return {
    info: { width, height, hasAlpha: colour === 4 || colour === 6 || chunks.transparency !== null },
    bands: iterator,
    retainedBytes: () => (open ? band.byteLength + rows.retainedBytes() + inflate.retainedBytes() : 0),
    // Bands never read still hold the file's read open from the header.
    close: async () => {
      if (started) {
        await iterator.return(undefined);
      } else if (open) {
        open = false;
        await inflate.close();
        rows.release();
      }
    },
  };
}

