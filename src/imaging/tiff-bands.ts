import { cmykToSrgb, type CmykToSrgb } from "./cmyk-to-srgb";
import { ImageDecodeError } from "./errors";
import type { OpenRasterOptions } from "./open-raster";
import { BandBuffer, BYTES_PER_PIXEL, DEFAULT_BAND_BYTES, rowsPerBand, type RasterInfo, type RasterStream, type RowBand } from "./raster-stream";
import { release } from "./release";
import { bytesFile, type SourceFile } from "./source-file";
import { colorChannels, DEFAULT_MAX_TIFF_PIXELS, readTiffLayout, stripDecoder, TiffError, type DecodedTiff, type StripDecoder, type TiffInfo, type TiffLayout } from "./tiff";

/**
 * TIFF pixels as bands of 8-bit RGBA rows, the file read by range. A print
 * TIFF runs to 100 MB and an isolate has 128 MB, so neither the file nor
 * the decoded frame is ever held: strips are decompressed a row at a time
 * as their bytes arrive, tiles one row of tiles at a time.
 *
 * Grey, RGB, palette and CMYK; 1/2/4 (grey and palette), 8 and 16 bits (16
 * scaled to 8); alpha (associated alpha is un-premultiplied); strips or
 * tiles, chunky or planar; none, LZW, Deflate and PackBits, with or without
 * horizontal predictor. CMYK goes through LittleCMS (cmyk-to-srgb.ts) with
 * the file's ICC profile, or the default FOGRA39 one; TIFF CMYK is stored
 * as ink amounts (0 = no ink). The Orientation tag is reported, not applied.
 *
 * Reads: neighbouring strips and tiles are read together, about
 * TIFF_READ_BYTES at a time, and the next batch is read while this one is
 * decoded; a strip or tile larger than that is read in windows as its
 * decompression goes (ChunkReader).
 */

/** Bytes one read aims at: R2 charges and waits per request, so tiny strips are read together. */
export const TIFF_READ_BYTES = 1024 * 1024;
/** Strips this close together are read as one range, the bytes between them thrown away. */
const MERGE_GAP_BYTES = 32 * 1024;
const MIN_WINDOW_BYTES = 64 * 1024;
/**
 * A row of tiles is decoded whole before its rows are handed out; its
 * stored samples may take this much (a 256-row tile row of 16-bit RGBA,
 * 16 384 px wide). Wider or taller tile rows are refused as too_large.
 */
export const MAX_TILE_ROW_BYTES = 32 * 1024 * 1024;

export interface TiffRaster extends RasterStream {
  /** The tags as read: colour mode, compression, profile and so on. */
  readonly tiff: TiffInfo;
  /** The Orientation tag as stored (1 when absent): the bands are not turned. */
  readonly orientation: number;
  /** For CMYK, whose profile converts it: the file's own, or the default when it has none or one LittleCMS cannot use. */
  readonly cmykProfile: "embedded" | "default" | null;
}

/**
 * Opens a TIFF for decoding: reads its IFD by range and checks it, so
 * `info` is known and every refusal that the tags decide ("too_large" over
 * `maxPixels`, "unsupported", "damaged" for strips past the end of the file)
 * happens here, before anything large is allocated. Decoding errors while
 * the bands are read are ImageDecodeErrors too; breaking out of the bands
 * early lets go of everything.
 */
export async function openTiffRaster(file: SourceFile, options: OpenRasterOptions): Promise<TiffRaster> {
  const layout = await readTiffLayout(file, options.maxPixels);
  const decoder = new TiffBandDecoder(layout, file, options);
  const { info } = layout;
  const rasterInfo: RasterInfo = { width: info.width, height: info.height, hasAlpha: info.alpha !== "none" };
  return {
    info: rasterInfo,
    tiff: info,
    orientation: info.orientation ?? 1,
    cmykProfile: decoder.cmykProfile,
    bands: decoder.bands(),
    retainedBytes: () => decoder.retainedBytes(),
  };
}

/**
 * Decodes a whole TIFF held in memory to one RGBA frame: for small files
 * (preflight, tests). Throws TiffError, "too_large" before decoding when
 * the image has more than maxPixels pixels.
 */
export async function decodeTiff(bytes: Uint8Array, options: { maxPixels?: number } = {}): Promise<DecodedTiff> {
  const raster = await openTiffRaster(bytesFile(bytes), { maxPixels: options.maxPixels ?? DEFAULT_MAX_TIFF_PIXELS, bandBytes: 4 * 1024 * 1024 });
  const { width, height } = raster.info;
  const data = new Uint8ClampedArray(width * height * BYTES_PER_PIXEL);
  for await (const band of raster.bands) data.set(band.rows, band.y * width * BYTES_PER_PIXEL);
  return { width, height, data, orientation: raster.orientation };
}

/** One strip or tile in the file: where it starts and how many bytes of it to read. */
interface Chunk {
  offset: number;
  length: number;
}

interface Piece {
  bytes: Uint8Array;
  last: boolean;
}

/** A strip's or tile's compressed bytes, piece by piece. */
type ChunkInput = () => Promise<Piece>;

/** The strips or tiles decoded side by side: one per plane (planar) and per tile across. */
interface Slot {
  /** Index of its strip or tile in the first strip or tile row; each row down adds `across`. */
  base: number;
  x0: number;
  columns: number;
  /** Planar: where this plane's samples go (RGBA 0–3, 4 the side alpha plane). Chunky: unused. */
  target: number;
  /** Strips: the strip's decoder and input now, and one row of its output. Tiles: the decoded tile. */
  decoder: StripDecoder | null;
  input: ChunkInput | null;
  buffer: Uint8Array;
}

class TiffBandDecoder {
  readonly cmykProfile: TiffRaster["cmykProfile"] = null;
  private readonly info: TiffInfo;
  private readonly width: number;
  private readonly height: number;
  private readonly little: boolean;
  private readonly planar: boolean;
  private readonly chunkWidth: number;
  private readonly chunkHeight: number;
  private readonly across: number;
  private readonly down: number;
  private readonly samplesInChunk: number;
  private readonly rowBytes: number;
  /** Where each stored sample goes: RGBA slot 0–3, 4 = the side alpha plane, -1 = dropped. */
  private readonly sampleSlots: Int8Array;
  /** Four chunky samples landing in R, G, B, A (RGBA, or CMYK before conversion) copy a row at a time. */
  private readonly direct: boolean;
  /** Three chunky samples landing in R, G, B (RGB, the common print file) spread in one pass. */
  private readonly rgb: boolean;
  private readonly palette: Uint8Array | null = null;
  private readonly transform: CmykToSrgb | null = null;
  private readonly bandRows: number;
  private readonly slots: Slot[];
  private readonly reader: ChunkReader;
  private band: BandBuffer | null = null;
  private sideAlpha: Uint8Array | null = null;
  private scratch: Uint8Array | null = null;

  constructor(
    layout: TiffLayout,
    file: SourceFile,
    options: OpenRasterOptions,
  ) {
    const info = layout.info;
    this.info = info;
    const { width, height, samplesPerPixel: spp, bitsPerSample: bits, colorMode } = info;
    this.width = width;
    this.height = height;
    this.little = layout.littleEndian;
    if (!info.decodable.ok) throw new TiffError("unsupported", info.decodable.reason);
    if (!info.dataComplete) throw new TiffError("damaged", "image data runs past the end of the file (truncated?)");
    const planar = info.planarConfiguration === 2;
    this.planar = planar;
    const tileW = layout.chunkWidth;
    const tileH = layout.chunkHeight;
    if (!Number.isInteger(tileW) || !Number.isInteger(tileH) || tileW < 1 || tileH < 1) throw new TiffError("damaged", `invalid strip or tile size ${tileW}×${tileH}`);
    // Tiles may overhang the image, but a forged tile size must not make one strip or tile larger than the whole limit.
    if (tileW * tileH > options.maxPixels) throw new TiffError("damaged", `a ${tileW}×${tileH} strip or tile is larger than the pixel limit`);
    this.chunkWidth = tileW;
    this.chunkHeight = tileH;
    this.across = Math.ceil(width / tileW);
    this.down = Math.ceil(height / tileH);
    const chunksPerPlane = this.across * this.down;
    const planes = planar ? spp : 1;
    if (layout.offsets.length < chunksPerPlane * planes) throw new TiffError("damaged", "fewer strips or tiles than the image needs");
    this.samplesInChunk = planar ? 1 : spp;
    this.rowBytes = Math.ceil((tileW * this.samplesInChunk * bits) / 8);

    const hasAlpha = info.alpha !== "none";
    const colorSamples = colorChannels(colorMode);
    // CMYK fills all four RGBA slots before conversion, so its alpha waits in a plane of its own.
    const sideAlpha = hasAlpha && colorMode === "cmyk";
    this.sampleSlots = new Int8Array(spp).fill(-1);
    for (let s = 0; s < colorSamples; s++) this.sampleSlots[s] = s;
    if (hasAlpha) this.sampleSlots[colorSamples] = sideAlpha ? 4 : 3;
    this.direct = !planar && spp === 4 && this.sampleSlots.every((slot, i) => slot === i);
    this.rgb = !planar && spp === 3 && this.sampleSlots.every((slot, i) => slot === i);

    // Planes nothing reads (extra samples) are never read from the file.
    this.slots = [];
    for (let plane = 0; plane < planes; plane++) {
      if (planar && this.sampleSlots[plane]! < 0) continue;
      for (let column = 0; column < this.across; column++) {
        const x0 = column * tileW;
        this.slots.push({
          base: plane * chunksPerPlane + column,
          x0,
          columns: Math.min(tileW, width - x0),
          target: planar ? this.sampleSlots[plane]! : -1,
          decoder: null,
          input: null,
          buffer: new Uint8Array(0),
        });
      }
    }
    if (info.tiled) {
      const tileRowBytes = this.slots.length * tileH * this.rowBytes;
      if (tileRowBytes > MAX_TILE_ROW_BYTES) {
        throw new TiffError("too_large", `a row of ${tileW}×${tileH} tiles holds ${(tileRowBytes / 2 ** 20).toFixed(1)} MiB, over the ${MAX_TILE_ROW_BYTES / 2 ** 20} MiB decoded at once`);
      }
    }

    if (colorMode === "indexed") {
      const map = layout.colorMap;
      const entries = 1 << bits;
      if (map.length < 3 * entries) throw new TiffError("damaged", "palette image without a full ColorMap");
      const palette = new Uint8Array(entries * 3);
      for (let i = 0; i < entries; i++) {
        palette[i * 3] = ((map[i]! + 128) / 257) | 0;
        palette[i * 3 + 1] = ((map[i + entries]! + 128) / 257) | 0;
        palette[i * 3 + 2] = ((map[i + 2 * entries]! + 128) / 257) | 0;
      }
      this.palette = palette;
    }
    if (colorMode === "cmyk") {
      // A profile LittleCMS cannot use (broken, or not CMYK) gives way to the default, as ImageMagick goes on past one.
      if (info.iccProfile) {
        try {
          this.transform = cmykToSrgb(info.iccProfile, false);
          this.cmykProfile = "embedded";
        } catch (error) {
          if (!(error instanceof ImageDecodeError)) throw error;
        }
      }
      if (!this.transform) {
        this.transform = cmykToSrgb(null, false);
        this.cmykProfile = "default";
      }
    }

    this.bandRows = Math.min(height, rowsPerBand(width, options.bandBytes ?? DEFAULT_BAND_BYTES));
    // Strips of one row are decoded side by side, so they are read together; tiles one by one.
    const groups: Chunk[][] = [];
    for (let k = 0; k < this.down; k++) {
      const row = this.slots.map((slot) => this.chunk(layout, slot.base + k * this.across, k, file.size));
      if (info.tiled) groups.push(...row.map((chunk) => [chunk]));
      else groups.push(row);
    }
    this.reader = new ChunkReader(file, groups);
  }

  /** The bytes of strip or tile `index` (in strip or tile row `k`) worth reading. */
  private chunk(layout: TiffLayout, index: number, k: number, fileSize: number): Chunk {
    const rows = this.info.tiled ? this.chunkHeight : Math.min(this.chunkHeight, this.height - k * this.chunkHeight);
    const expected = this.rowBytes * rows;
    const offset = layout.offsets[index]!;
    const count = layout.byteCounts[index];
    // Nothing compresses to more than twice its size (LZW's worst is 1.5×): bytes past that are never needed.
    const useful = this.info.compression === 1 ? Math.min(count ?? expected, expected) : Math.min(count ?? 0, 2 * expected + 4096);
    return { offset, length: Math.max(0, Math.min(useful, fileSize - offset)) };
  }

  retainedBytes(): number {
    let bytes = (this.band?.byteLength ?? 0) + (this.sideAlpha?.byteLength ?? 0) + (this.scratch?.byteLength ?? 0) + this.reader.retainedBytes();
    for (const slot of this.slots) bytes += slot.buffer.byteLength + (slot.decoder?.retainedBytes ?? 0);
    return bytes;
  }

  async *bands(): AsyncGenerator<RowBand, void, undefined> {
    const { width, height, bandRows } = this;
    const band = new BandBuffer(width * BYTES_PER_PIXEL);
    this.band = band;
    this.sideAlpha = this.sampleSlots.includes(4) ? new Uint8Array(width * bandRows) : null;
    this.scratch = new Uint8Array(this.chunkWidth * this.samplesInChunk);
    const rowsPerUnit = this.info.tiled ? this.chunkHeight : 0;
    for (const slot of this.slots) slot.buffer = new Uint8Array(this.rowBytes * Math.max(1, rowsPerUnit));
    let unit = -1;
    try {
      for (let y = 0; y < height; y += bandRows) {
        const rows = Math.min(bandRows, height - y);
        const out = band.rows(rows);
        for (let r = 0; r < rows; r++) {
          const row = y + r;
          const k = Math.floor(row / this.chunkHeight);
          if (k !== unit) {
            await this.openUnit(k);
            unit = k;
          }
          const rowInChunk = row - k * this.chunkHeight;
          for (const slot of this.slots) {
            let data: Uint8Array;
            if (this.info.tiled) {
              data = slot.buffer.subarray(rowInChunk * this.rowBytes, (rowInChunk + 1) * this.rowBytes);
            } else {
              await fill(slot.decoder!, slot.input!, slot.buffer);
              data = slot.buffer;
            }
            this.putRow(data, slot, out, r * width + slot.x0);
          }
        }
        this.finishBand(out, rows);
        yield { y, width, height: rows, rows: out };
      }
    } finally {
      this.reader.close();
      for (const slot of this.slots) {
        if (this.info.tiled) release(slot.buffer);
        slot.buffer = new Uint8Array(0);
        slot.decoder = null;
        slot.input = null;
      }
      this.band = null;
      this.sideAlpha = null;
      this.scratch = null;
    }
  }

  /** Starts strip or tile row `k`: strips get a decoder each, tiles are decoded whole (only the rows inside the image). */
  private async openUnit(k: number): Promise<void> {
    const compression = this.info.compression;
    if (this.info.tiled) {
      const rows = Math.min(this.chunkHeight, this.height - k * this.chunkHeight);
      for (let i = 0; i < this.slots.length; i++) {
        const [input] = this.reader.open(k * this.slots.length + i);
        await fill(stripDecoder(compression), input!, this.slots[i]!.buffer.subarray(0, rows * this.rowBytes));
      }
      return;
    }
    const inputs = this.reader.open(k);
    this.slots.forEach((slot, i) => {
      slot.decoder = stripDecoder(compression);
      slot.input = inputs[i]!;
    });
  }

  /** One stored row of one strip or tile into the band: predictor undone, samples to 8 bits, each to its RGBA slot. */
  private putRow(data: Uint8Array, slot: Slot, out: Uint8ClampedArray, first: number): void {
    const { info, samplesInChunk } = this;
    const bits = info.bitsPerSample;
    if (info.predictor === 2) undoPredictor(data, samplesInChunk, this.chunkWidth, bits, this.little);
    const samples = slot.columns * samplesInChunk;
    // Palette indices stay raw; every other low-bit sample is stretched to 0–255.
    const bytes8 = bits === 8 ? data : toBytes(data, samples, bits, this.little, info.colorMode !== "indexed", this.scratch!);
    if (this.planar) scatterPlane(bytes8, slot.columns, first, slot.target, out, this.sideAlpha);
    else if (this.direct) out.set(bytes8.subarray(0, samples), first * 4);
    else if (this.rgb) spreadRgb(bytes8, slot.columns, first, out);
    else scatterChunky(bytes8, slot.columns, samplesInChunk, first, this.sampleSlots, out, this.sideAlpha);
  }

  /** Turns the stored samples sitting in the band's RGBA slots into RGBA, in place. */
  private finishBand(rgba: Uint8ClampedArray, rows: number): void {
    const info = this.info;
    const n = rows * this.width * 4;
    switch (info.colorMode) {
      case "gray": {
        const invert = info.photometric === 0; // WhiteIsZero
        for (let i = 0; i < n; i += 4) {
          const g = invert ? 255 - rgba[i]! : rgba[i]!;
          rgba[i] = g;
          rgba[i + 1] = g;
          rgba[i + 2] = g;
        }
        break;
      }
      case "indexed": {
        const palette = this.palette!;
        for (let i = 0; i < n; i += 4) {
          const k = rgba[i]! * 3;
          rgba[i] = palette[k]!;
          rgba[i + 1] = palette[k + 1]!;
          rgba[i + 2] = palette[k + 2]!;
        }
        break;
      }
      case "cmyk": {
        const bytes = new Uint8Array(rgba.buffer, rgba.byteOffset, n);
        this.transform!.convert(bytes, bytes);
        const alpha = this.sideAlpha;
        if (alpha) for (let p = 0, i = 3; i < n; p++, i += 4) rgba[i] = alpha[p]!;
        break;
      }
      default:
        break;
    }
    if (info.alpha === "none") {
      for (let i = 3; i < n; i += 4) rgba[i] = 255;
    } else if (info.alpha === "associated") {
      for (let i = 0; i < n; i += 4) {
        const a = rgba[i + 3]!;
        if (a > 0 && a < 255) {
          rgba[i] = (rgba[i]! * 255) / a;
          rgba[i + 1] = (rgba[i + 1]! * 255) / a;
          rgba[i + 2] = (rgba[i + 2]! * 255) / a;
        }
      }
    }
  }
}

/**
 * Fills `out` from a strip or tile, feeding its decoder input as it asks.
 * A strip that ends early leaves the rest zero (black), as libtiff-based
 * readers show it.
 */
async function fill(decoder: StripDecoder, input: ChunkInput, out: Uint8Array): Promise<void> {
  let at = 0;
  for (;;) {
    at = decompress(() => decoder.drain(out, at));
    if (at === out.length) return;
    if (!decoder.wantsInput) break;
    const { bytes, last } = await input();
    decompress(() => decoder.feed(bytes, last));
  }
  out.fill(0, at);
}

/** Runs a decoder step; what the inflater throws about its input means the data is broken. */
function decompress<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof ImageDecodeError) throw error;
    throw new TiffError("damaged", `strip or tile does not decompress: ${(error as Error).message}`);
  }
}

interface Batch {
  /** Groups start … end - 1. */
  start: number;
  end: number;
  bytes: number;
  /** Per group, per chunk, the chunk's bytes. */
  data: Promise<Uint8Array[][]>;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/**
 * Reads strips and tiles in decoding order, in groups: the strips of one
 * strip row (decoded side by side, one per plane), or one tile (tiles are
 * decoded one after another). Consecutive groups that together fit
 * TIFF_READ_BYTES are one batch, each run of neighbouring chunks in the
 * file one read, and the next batch is read while this one is decoded. A
 * group larger than that is read in windows, each chunk its share, one
 * window ahead.
 */
class ChunkReader {
  private current: Batch | null = null;
  private ahead: Batch | null = null;
  private windowBytes = 0;

  constructor(
    private readonly file: SourceFile,
    private readonly groups: Chunk[][],
  ) {}

  retainedBytes(): number {
    return (this.current?.bytes ?? 0) + (this.ahead?.bytes ?? 0) + this.windowBytes;
  }

  close(): void {
    this.current = null;
    this.ahead = null;
    this.windowBytes = 0;
  }

  /** The inputs of group `g`'s chunks, in order; groups are opened in order, nothing is read until an input is called. */
  open(g: number): ChunkInput[] {
    const chunks = this.groups[g]!;
    if (groupBytes(chunks) > TIFF_READ_BYTES) {
      this.current = null;
      const window = Math.max(MIN_WINDOW_BYTES, Math.floor(TIFF_READ_BYTES / chunks.length));
      // Each input holds its piece and the one being read.
      this.windowBytes = chunks.reduce((sum, c) => sum + Math.min(c.length, 2 * window), 0);
      return chunks.map((chunk) => this.windowed(chunk, window));
    }
    return chunks.map((_, i) => async () => {
      const batch = this.batchFor(g);
      return { bytes: (await batch.data)[g - batch.start]![i]!, last: true };
    });
  }

  private batchFor(g: number): Batch {
    if (!this.current || g < this.current.start || g >= this.current.end) {
      this.windowBytes = 0;
      this.current = this.ahead?.start === g ? this.ahead : this.plan(g);
      const next = this.current.end;
      this.ahead = next < this.groups.length && groupBytes(this.groups[next]!) <= TIFF_READ_BYTES ? this.plan(next) : null;
    }
    return this.current;
  }

  /** Starts reading groups from `start` on, as many as fit TIFF_READ_BYTES (at least one). */
  private plan(start: number): Batch {
    let end = start;
    let bytes = 0;
    while (end < this.groups.length) {
      const size = groupBytes(this.groups[end]!);
      if (end > start && (size > TIFF_READ_BYTES || bytes + size > TIFF_READ_BYTES)) break;
      bytes += size;
      end++;
    }
    const refs: { group: number; index: number; chunk: Chunk }[] = [];
    for (let group = start; group < end; group++) this.groups[group]!.forEach((chunk, index) => chunk.length && refs.push({ group, index, chunk }));
    refs.sort((a, b) => a.chunk.offset - b.chunk.offset);
    const runs: { offset: number; end: number; refs: typeof refs }[] = [];
    for (const ref of refs) {
      const run = runs[runs.length - 1];
      const { offset, length } = ref.chunk;
      if (run && offset <= run.end + MERGE_GAP_BYTES) {
        run.end = Math.max(run.end, offset + length);
        run.refs.push(ref);
      } else {
        runs.push({ offset, end: offset + length, refs: [ref] });
      }
    }
    const data = Promise.all(
      runs.map(async (run) => {
        const read = await this.file.read(run.offset, run.end - run.offset);
        if (read.length < run.end - run.offset) throw new TiffError("damaged", "the file ended inside its image data");
        return read;
      }),
    ).then((reads) => {
      const out = Array.from({ length: end - start }, (_, i) => this.groups[start + i]!.map(() => EMPTY));
      runs.forEach((run, i) => {
        for (const { group, index, chunk } of run.refs) {
          out[group - start]![index] = reads[i]!.subarray(chunk.offset - run.offset, chunk.offset - run.offset + chunk.length);
        }
      });
      return out;
    });
    // A batch read ahead and then not wanted (the caller stopped) must not surface as an unhandled rejection.
    data.catch(() => {});
    const span = runs.reduce((sum, run) => sum + run.end - run.offset, 0);
    return { start, end, bytes: span, data };
  }

  private windowed(chunk: Chunk, window: number): ChunkInput {
    let at = 0;
    let pending: Promise<Uint8Array> | null = null;
    const fetch = (from: number) => {
      const length = Math.min(window, chunk.length - from);
      const read = this.file.read(chunk.offset + from, length).then((bytes) => {
        if (bytes.length < length) throw new TiffError("damaged", "the file ended inside its image data");
        return bytes;
      });
      read.catch(() => {});
      return read;
    };
    return async () => {
      if (chunk.length === 0) return { bytes: EMPTY, last: true };
      const bytes = await (pending ?? fetch(at));
      at += bytes.length;
      const last = at >= chunk.length;
      pending = last ? null : fetch(at);
      return { bytes, last };
    };
  }
}

const groupBytes = (chunks: Chunk[]) => chunks.reduce((sum, c) => sum + c.length, 0);

/** Undoes horizontal differencing (Predictor 2) on one row, in place. */
function undoPredictor(row: Uint8Array, samplesPerPixel: number, pixels: number, bits: number, little: boolean): void {
  if (bits === 8) {
    for (let i = samplesPerPixel; i < pixels * samplesPerPixel; i++) row[i] = (row[i]! + row[i - samplesPerPixel]!) & 0xff;
    return;
  }
  const [hi, lo] = little ? [1, 0] : [0, 1];
  for (let i = samplesPerPixel; i < pixels * samplesPerPixel; i++) {
    const at = 2 * i;
    const before = 2 * (i - samplesPerPixel);
    const sum = (((row[at + hi]! << 8) | row[at + lo]!) + ((row[before + hi]! << 8) | row[before + lo]!)) & 0xffff;
    row[at + hi] = sum >> 8;
    row[at + lo] = sum & 0xff;
  }
}

/** One row's samples as 8-bit values: 16-bit rounded (v / 257, as libtiff-based tools scale), 1/2/4-bit unpacked. */
function toBytes(row: Uint8Array, samples: number, bits: number, little: boolean, stretch: boolean, out: Uint8Array): Uint8Array {
  if (bits === 16) {
    const hi = little ? 1 : 0;
    for (let i = 0; i < samples; i++) out[i] = (((row[2 * i + hi]! << 8) | row[2 * i + 1 - hi]!) + 128) / 257;
    return out;
  }
  const mask = (1 << bits) - 1;
  for (let i = 0; i < samples; i++) {
    const bit = i * bits;
    const value = (row[bit >> 3]! >> (8 - bits - (bit & 7))) & mask;
    out[i] = stretch ? (value * 255) / mask : value;
  }
  return out;
}

function spreadRgb(row: Uint8Array, columns: number, first: number, rgba: Uint8ClampedArray): void {
  for (let c = 0, i = 0, o = first * 4; c < columns; c++, i += 3, o += 4) {
    rgba[o] = row[i]!;
    rgba[o + 1] = row[i + 1]!;
    rgba[o + 2] = row[i + 2]!;
  }
}

function scatterChunky(row: Uint8Array, columns: number, spp: number, first: number, slots: Int8Array, rgba: Uint8ClampedArray, sideAlpha: Uint8Array | null): void {
  for (let s = 0; s < spp; s++) {
    const slot = slots[s]!;
    if (slot < 0) continue;
    if (slot === 4) for (let c = 0; c < columns; c++) sideAlpha![first + c] = row[c * spp + s]!;
    else for (let c = 0, o = first * 4 + slot; c < columns; c++, o += 4) rgba[o] = row[c * spp + s]!;
  }
}

function scatterPlane(row: Uint8Array, columns: number, first: number, slot: number, rgba: Uint8ClampedArray, sideAlpha: Uint8Array | null): void {
  if (slot === 4) sideAlpha!.set(row.subarray(0, columns), first);
  else for (let c = 0, o = first * 4 + slot; c < columns; c++, o += 4) rgba[o] = row[c]!;
}
