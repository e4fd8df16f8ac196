import { Unzlib } from "fflate";
import { decode as decodeTiffIfds, type TiffIfd } from "tiff";
import { ImageDecodeError, type DecodeFailure } from "./errors";
import type { SourceFile } from "./source-file";

/**
 * TIFF: the first IFD's tags (from bytes in memory, or from a stored file by
 * ranges, without reading the image data) and the strip and tile
 * decompressors. Pixels are decoded in tiff-bands.ts.
 *
 * The IFD is parsed here rather than by the `tiff` package because a print
 * TIFF runs to 100 MB and its IFD may sit anywhere: only the entries and the
 * values of the tags a decoder needs are read, never tags such as
 * Photoshop's layer data (37724), which can be most of the file. The package
 * still reads EXIF blocks (readFirstIfd), which arrive whole.
 */

export type TiffFailure = DecodeFailure;

/** Why a TIFF could not be read or decoded: broken bytes, a feature not handled here, or over the pixel limit. */
export class TiffError extends ImageDecodeError {
  override name = "TiffError";

  constructor(reason: TiffFailure, message: string) {
    super(message, { reason });
  }
}

const damaged = (message: string) => new TiffError("damaged", message);

export type TiffColorMode = "gray" | "rgb" | "indexed" | "cmyk" | "ycbcr" | "lab" | "other";

export interface TiffInfo {
  width: number;
  height: number;
  /** Bits of the first sample (TIFF allows per-sample depths; real files repeat one value). */
  bitsPerSample: number;
  samplesPerPixel: number;
  /** 1 unsigned integer, 2 signed integer, 3 IEEE float. */
  sampleFormat: number;
  photometric: number;
  colorMode: TiffColorMode;
  /** ExtraSamples values: 0 unspecified, 1 associated (premultiplied) alpha, 2 unassociated alpha. */
  extraSamples: number[];
  alpha: "none" | "associated" | "unassociated";
  resolution: { x: number; y: number; unit: "inch" | "cm" | "none" } | null;
  /** The ICC profile (tag 34675), when present. */
  iccProfile: Uint8Array | null;
  compression: number;
  compressionName: string;
  planarConfiguration: number;
  predictor: number;
  /** Orientation tag (1–8), null when absent (which means 1). */
  orientation: number | null;
  tiled: boolean;
  /** Every strip or tile lies inside the file (false for truncated files). */
  dataComplete: boolean;
  /** Whether the decoder handles this combination of tags (the reason when not). */
  decodable: { ok: true } | { ok: false; reason: string };
}

/** 8-bit RGBA, row-major, as ImageData holds it; pixels as stored (orientation is not applied). */
export interface DecodedTiff {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  orientation: number;
}

/** What the pixel decoder needs beyond TiffInfo: where the strips or tiles are and how they are cut. */
export interface TiffLayout {
  info: TiffInfo;
  littleEndian: boolean;
  /** A strip is the image's width by RowsPerStrip (at most the height); a tile is TileWidth by TileLength. */
  chunkWidth: number;
  chunkHeight: number;
  /** StripOffsets or TileOffsets, and their byte counts: the entries the image needs, no more. */
  offsets: number[];
  byteCounts: number[];
  /** ColorMap: 2^bits reds, then greens, then blues (16-bit); empty when absent. */
  colorMap: number[];
}

/** Pixel limit decodeTiff applies when the caller gives none: 100 MB of RGBA, more than one isolate can hold anyway. */
export const DEFAULT_MAX_TIFF_PIXELS = 25_000_000;

const COMPRESSION_NAMES: Record<number, string> = {
  1: "none",
  2: "ccitt-rle",
  3: "ccitt-g3",
  4: "ccitt-g4",
  5: "lzw",
  6: "old-jpeg",
  7: "jpeg",
  8: "deflate",
  32773: "packbits",
  32946: "deflate",
  34712: "jpeg2000",
  34925: "lzma",
  50000: "zstd",
  50001: "webp",
};
const DECODABLE_COMPRESSIONS = new Set([1, 5, 8, 32773, 32946]);

const TAG = {
  WIDTH: 256,
  HEIGHT: 257,
  BITS_PER_SAMPLE: 258,
  COMPRESSION: 259,
  PHOTOMETRIC: 262,
  STRIP_OFFSETS: 273,
  ORIENTATION: 274,
  SAMPLES_PER_PIXEL: 277,
  ROWS_PER_STRIP: 278,
  STRIP_BYTE_COUNTS: 279,
  X_RESOLUTION: 282,
  Y_RESOLUTION: 283,
  PLANAR_CONFIGURATION: 284,
  RESOLUTION_UNIT: 296,
  PREDICTOR: 317,
  COLOR_MAP: 320,
  TILE_WIDTH: 322,
  TILE_LENGTH: 323,
  TILE_OFFSETS: 324,
  TILE_BYTE_COUNTS: 325,
  INK_SET: 332,
  EXTRA_SAMPLES: 338,
  SAMPLE_FORMAT: 339,
  ICC_PROFILE: 34675,
  EXIF_IFD: 0x8769,
  GPS_IFD: 0x8825,
} as const;

/** Tags read before the strip or tile geometry is known; a ColorMap of 8 bits is 768 values, nothing else needs more than one per sample. */
const FIRST_TAGS = [
  TAG.WIDTH,
  TAG.HEIGHT,
  TAG.BITS_PER_SAMPLE,
  TAG.COMPRESSION,
  TAG.PHOTOMETRIC,
  TAG.ORIENTATION,
  TAG.SAMPLES_PER_PIXEL,
  TAG.ROWS_PER_STRIP,
  TAG.X_RESOLUTION,
  TAG.Y_RESOLUTION,
  TAG.PLANAR_CONFIGURATION,
  TAG.RESOLUTION_UNIT,
  TAG.PREDICTOR,
  TAG.COLOR_MAP,
  TAG.TILE_WIDTH,
  TAG.TILE_LENGTH,
  TAG.INK_SET,
  TAG.EXTRA_SAMPLES,
  TAG.SAMPLE_FORMAT,
];
const FIRST_TAG_MAX_VALUES = 1024;
/** Larger profiles exist only as forgeries or device links nobody embeds; refusing them bounds what the IFD costs. */
const MAX_ICC_BYTES = 16 * 1024 * 1024;

/** Bytes per value of each TIFF field type (1–13; 13 is IFD, a LONG). */
const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

interface Range {
  offset: number;
  length: number;
}

interface Entry {
  type: number;
  count: number;
  /** Where the values are in the file: inside the entry itself when they fit in 4 bytes. */
  at: number;
}

/**
 * Parses the first IFD, asking for the byte ranges it needs as it goes
 * (yield ranges, receive their bytes), so the same parser runs over bytes in
 * memory and over a stored file read by range.
 */
type RangeParser<T> = Generator<Range[], T, Uint8Array[]>;

function* parseFirstIfd(size: number, maxPixels: number | undefined): RangeParser<TiffLayout> {
  if (size < 8) throw damaged("too short for a TIFF header");
  const [head] = yield [{ offset: 0, length: 8 }];
  const order = (head![0]! << 8) | head![1]!;
  if (order !== 0x4949 && order !== 0x4d4d) throw damaged("no TIFF byte-order mark");
  const little = order === 0x4949;
  const headView = view(head!);
  const magic = headView.getUint16(2, little);
  if (magic === 43) throw new TiffError("unsupported", "BigTIFF is not supported");
  if (magic !== 42) throw damaged("not a TIFF file");
  const ifd = headView.getUint32(4, little);
  if (ifd < 8 || ifd + 2 > size) throw damaged("IFD offset outside the file");
  const [countBytes] = yield [{ offset: ifd, length: 2 }];
  const n = view(countBytes!).getUint16(0, little);
  if (ifd + 2 + n * 12 + 4 > size) throw damaged("IFD runs past the end of the file");
  const [table] = yield [{ offset: ifd + 2, length: n * 12 }];
  const tableView = view(table!);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < n; i++) {
    const tag = tableView.getUint16(i * 12, little);
    const type = tableView.getUint16(i * 12 + 2, little);
    const count = tableView.getUint32(i * 12 + 4, little);
    const bytes = (TYPE_SIZES[type] ?? 0) * count;
    const at = bytes > 4 ? tableView.getUint32(i * 12 + 8, little) : ifd + 2 + i * 12 + 8;
    // A forged count must not make anyone allocate it: every tag, read or not, has to fit the file.
    if (bytes > 4 && at + bytes > size) throw damaged(`tag ${tag} points past the end of the file`);
    // Unknown field types are skipped, as libtiff skips them.
    if (TYPE_SIZES[type]) entries.set(tag, { type, count, at });
  }

  const values = new Map<number, number[]>();
  const first = FIRST_TAGS.filter((tag) => entries.has(tag));
  const firstBytes = yield first.map((tag) => valueRange(entries.get(tag)!, FIRST_TAG_MAX_VALUES));
  first.forEach((tag, i) => values.set(tag, decodeValues(firstBytes[i]!, entries.get(tag)!.type, little)));
  const get = (tag: number) => values.get(tag)?.[0];

  const width = get(TAG.WIDTH);
  const height = get(TAG.HEIGHT);
  if (width === undefined || height === undefined || !Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw damaged("missing or invalid image size");
  }
  if (maxPixels !== undefined && width * height > maxPixels) {
    throw new TiffError("too_large", `${width}×${height} px is over the limit of ${maxPixels} pixels`);
  }
  const photometric = get(TAG.PHOTOMETRIC);
  if (photometric === undefined) throw damaged("missing PhotometricInterpretation");
  // Absent and 0 both mean the default, as the `tiff` package and libtiff read them.
  const samplesPerPixel = get(TAG.SAMPLES_PER_PIXEL) || 1;
  const planarConfiguration = get(TAG.PLANAR_CONFIGURATION) || 1;
  const tiled = entries.has(TAG.TILE_WIDTH) && entries.has(TAG.TILE_LENGTH) && entries.has(TAG.TILE_OFFSETS);
  const chunkWidth = tiled ? get(TAG.TILE_WIDTH)! : width;
  const chunkHeight = tiled ? get(TAG.TILE_LENGTH)! : Math.min(get(TAG.ROWS_PER_STRIP) || 2 ** 32 - 1, height);

  // Only the offsets the image needs are read: a forged count in the millions costs nothing.
  const offsetsEntry = entries.get(tiled ? TAG.TILE_OFFSETS : TAG.STRIP_OFFSETS);
  const countsEntry = entries.get(tiled ? TAG.TILE_BYTE_COUNTS : TAG.STRIP_BYTE_COUNTS);
  const geometryOk = chunkWidth >= 1 && chunkHeight >= 1;
  const needed = geometryOk ? Math.ceil(width / chunkWidth) * Math.ceil(height / chunkHeight) * (planarConfiguration === 2 ? samplesPerPixel : 1) : Infinity;
  const iccEntry = entries.get(TAG.ICC_PROFILE);
  if (iccEntry && iccEntry.count * TYPE_SIZES[iccEntry.type]! > MAX_ICC_BYTES) {
    throw new TiffError("unsupported", `an ICC profile of ${iccEntry.count} bytes (at most ${MAX_ICC_BYTES} are read)`);
  }
  const none = { offset: 0, length: 0 };
  const laterBytes = yield [
    offsetsEntry ? valueRange(offsetsEntry, needed) : none,
    countsEntry ? valueRange(countsEntry, needed) : none,
    iccEntry ? valueRange(iccEntry, Infinity) : none,
  ];
  const offsets = offsetsEntry ? decodeValues(laterBytes[0]!, offsetsEntry.type, little) : [];
  const byteCounts = countsEntry ? decodeValues(laterBytes[1]!, countsEntry.type, little) : [];
  // UNDEFINED bytes as stored; copied so the IFD's read can be let go.
  const iccProfile = iccEntry && (iccEntry.type === 7 || iccEntry.type === 1) && iccEntry.count > 1 ? laterBytes[2]!.slice() : null;

  const extraSamples = values.get(TAG.EXTRA_SAMPLES) ?? [];
  const colorMode = colorModeOf(photometric, samplesPerPixel, get(TAG.INK_SET));
  const firstExtra = extraSamples[0];
  const xRes = get(TAG.X_RESOLUTION);
  const yRes = get(TAG.Y_RESOLUTION) ?? xRes;
  const unitTag = get(TAG.RESOLUTION_UNIT) || 2; // TIFF 6.0: inches when absent
  const compression = get(TAG.COMPRESSION) || 1;
  const partial = {
    width,
    height,
    bitsPerSample: get(TAG.BITS_PER_SAMPLE) ?? 1,
    samplesPerPixel,
    sampleFormat: get(TAG.SAMPLE_FORMAT) || 1,
    photometric,
    colorMode,
    extraSamples,
    alpha: firstExtra === 1 ? ("associated" as const) : firstExtra === 2 ? ("unassociated" as const) : ("none" as const),
    resolution:
      xRes && yRes && Number.isFinite(xRes) && Number.isFinite(yRes) && xRes > 0 && yRes > 0
        ? { x: xRes, y: yRes, unit: unitTag === 3 ? ("cm" as const) : unitTag === 1 ? ("none" as const) : ("inch" as const) }
        : null,
    iccProfile,
    compression,
    compressionName: COMPRESSION_NAMES[compression] ?? `unknown-${compression}`,
    planarConfiguration,
    predictor: get(TAG.PREDICTOR) || 1,
    orientation: get(TAG.ORIENTATION) ?? null,
    tiled,
    dataComplete: offsets.length > 0 && offsets.every((offset, i) => offset + (byteCounts[i] ?? 0) <= size),
  } satisfies Omit<TiffInfo, "decodable">;
  return {
    info: { ...partial, decodable: decodability(partial) },
    littleEndian: little,
    chunkWidth,
    chunkHeight,
    offsets,
    byteCounts,
    colorMap: values.get(TAG.COLOR_MAP) ?? [],
  };
}

const view = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

function valueRange(entry: Entry, maxValues: number): Range {
  return { offset: entry.at, length: Math.min(entry.count, maxValues) * TYPE_SIZES[entry.type]! };
}

/** A tag's values as numbers (rationals divided out), as many as `bytes` holds. */
function decodeValues(bytes: Uint8Array, type: number, little: boolean): number[] {
  const v = view(bytes);
  const count = Math.floor(bytes.length / TYPE_SIZES[type]!);
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    switch (type) {
      case 3:
        out[i] = v.getUint16(i * 2, little);
        break;
      case 4:
      case 13:
        out[i] = v.getUint32(i * 4, little);
        break;
      case 5:
        out[i] = v.getUint32(i * 8, little) / v.getUint32(i * 8 + 4, little);
        break;
      case 6:
        out[i] = v.getInt8(i);
        break;
      case 8:
        out[i] = v.getInt16(i * 2, little);
        break;
      case 9:
        out[i] = v.getInt32(i * 4, little);
        break;
      case 10:
        out[i] = v.getInt32(i * 8, little) / v.getInt32(i * 8 + 4, little);
        break;
      case 11:
        out[i] = v.getFloat32(i * 4, little);
        break;
      case 12:
        out[i] = v.getFloat64(i * 8, little);
        break;
      default: // BYTE, ASCII, UNDEFINED
        out[i] = bytes[i]!;
    }
  }
  return out;
}

/** Runs a parser over bytes in memory. */
function parseBytes<T>(parser: RangeParser<T>, bytes: Uint8Array): T {
  let step = parser.next();
  while (!step.done) step = parser.next(step.value.map((r) => bytes.subarray(r.offset, r.offset + r.length)));
  return step.value;
}

/** Smallest read while parsing: the header's read then holds a small IFD at the start, the IFD's read its values. */
const IFD_READ_BYTES = 64 * 1024;

/** Runs a parser over a stored file: ranges it asks for that earlier reads do not hold are read, neighbours together. */
async function parseRanges<T>(parser: RangeParser<T>, file: SourceFile): Promise<T> {
  const held: { offset: number; bytes: Uint8Array }[] = [];
  const find = (r: Range) => {
    const w = held.find((h) => r.offset >= h.offset && r.offset + r.length <= h.offset + h.bytes.length);
    return w ? w.bytes.subarray(r.offset - w.offset, r.offset - w.offset + r.length) : undefined;
  };
  let step = parser.next();
  while (!step.done) {
    const missing = step.value.filter((r) => r.length > 0 && !find(r)).sort((a, b) => a.offset - b.offset);
    const runs: Range[] = [];
    for (const r of missing) {
      const last = runs[runs.length - 1];
      if (last && r.offset <= last.offset + Math.max(last.length, IFD_READ_BYTES)) last.length = Math.max(last.length, r.offset + r.length - last.offset);
      else runs.push({ ...r });
    }
    const reads = await Promise.all(
      runs.map(async (run) => {
        const length = Math.min(file.size - run.offset, Math.max(run.length, IFD_READ_BYTES));
        const bytes = await file.read(run.offset, length);
        if (bytes.length < run.length) throw damaged("the file is shorter than its IFD says");
        return { offset: run.offset, bytes };
      }),
    );
    held.push(...reads);
    step = parser.next(step.value.map((r) => (r.length === 0 ? new Uint8Array(0) : find(r)!)));
  }
  return step.value;
}

/** Header facts from the tags, without decoding pixels. Throws TiffError for files that are not readable TIFFs. */
export function readTiffInfo(bytes: Uint8Array): TiffInfo {
  return parseBytes(parseFirstIfd(bytes.length, undefined), bytes).info;
}

/**
 * The first IFD of a stored TIFF, read by range: the header, the IFD and the
 * values of the tags the decoder needs (a few reads of at least 64 KB).
 * Throws TiffError, "too_large" as soon as the size is known to be over
 * `maxPixels`.
 */
export function readTiffLayout(file: SourceFile, maxPixels?: number): Promise<TiffLayout> {
  return parseRanges(parseFirstIfd(file.size, maxPixels), file);
}

/**
 * Checks that every entry of an IFD (and of the EXIF/GPS IFDs it points to)
 * lies inside the file before the `tiff` package reads it: the package
 * allocates an array of the declared count first, so a forged count of
 * 100 million would allocate that much before failing.
 */
function checkIfdBounds(view: DataView, offset: number, little: boolean, depth = 0): void {
  const size = view.byteLength;
  if (offset < 8 || offset + 2 > size) throw damaged("IFD offset outside the file");
  const entries = view.getUint16(offset, little);
  if (offset + 2 + entries * 12 + 4 > size) throw damaged("IFD runs past the end of the file");
  for (let i = 0; i < entries; i++) {
    const at = offset + 2 + i * 12;
    const tag = view.getUint16(at, little);
    const type = view.getUint16(at + 2, little);
    const count = view.getUint32(at + 4, little);
    const bytes = (TYPE_SIZES[type] ?? 0) * count;
    if (bytes > 4) {
      const valueAt = view.getUint32(at + 8, little);
      if (valueAt + bytes > size) throw damaged(`tag ${tag} points past the end of the file`);
    }
    if (tag === TAG.EXIF_IFD || tag === TAG.GPS_IFD) {
      // The package follows these pointers from any IFD; real files nest them once, a loop would recurse forever.
      if (depth >= 2) throw damaged("EXIF/GPS IFD pointers nested too deep");
      checkIfdBounds(view, view.getUint32(at + 8, little), little, depth + 1);
    }
  }
}

/** The first IFD of a TIFF structure held whole (an EXIF block), parsed by the `tiff` package after a bounds check. Throws TiffError. */
export function readFirstIfd(bytes: Uint8Array): TiffIfd {
  if (bytes.length < 8) throw damaged("too short for a TIFF header");
  const dv = view(bytes);
  const order = dv.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d) throw damaged("no TIFF byte-order mark");
  const little = order === 0x4949;
  const magic = dv.getUint16(2, little);
  if (magic === 43) throw new TiffError("unsupported", "BigTIFF is not supported");
  if (magic !== 42) throw damaged("not a TIFF file");
  checkIfdBounds(dv, dv.getUint32(4, little), little);
  try {
    const [ifd] = decodeTiffIfds(bytes, { ignoreImageData: true, pages: [0] });
    if (!ifd) throw damaged("no image in the file");
    return ifd;
  } catch (error) {
    if (error instanceof TiffError) throw error;
    throw damaged(`unreadable IFD: ${(error as Error).message}`);
  }
}

function colorModeOf(photometric: number, samplesPerPixel: number, inkSet: number | undefined): TiffColorMode {
  switch (photometric) {
    case 0:
    case 1:
      return "gray";
    case 2:
      return "rgb";
    case 3:
      return "indexed";
    case 5:
      // Separated with InkSet 1 (or absent) and four inks is CMYK; other ink sets are multichannel.
      return (inkSet ?? 1) === 1 && samplesPerPixel >= 4 ? "cmyk" : "other";
    case 6:
      return "ycbcr";
    case 8:
    case 9:
    case 10:
      return "lab";
    default:
      return "other";
  }
}

/** Samples that carry colour: one for grey and palette indices, four for CMYK, three otherwise. */
export function colorChannels(mode: TiffColorMode): number {
  return mode === "gray" || mode === "indexed" ? 1 : mode === "cmyk" ? 4 : 3;
}

function decodability(info: Omit<TiffInfo, "decodable">): TiffInfo["decodable"] {
  const no = (reason: string) => ({ ok: false as const, reason });
  if (!DECODABLE_COMPRESSIONS.has(info.compression)) return no(`compression ${info.compressionName} (${info.compression})`);
  if (!["gray", "rgb", "indexed", "cmyk"].includes(info.colorMode)) return no(`photometric interpretation ${info.photometric}`);
  if (info.sampleFormat !== 1) return no(`sample format ${info.sampleFormat} (only unsigned integers)`);
  const bits = info.bitsPerSample;
  const lowBitsOk = info.colorMode === "gray" || info.colorMode === "indexed";
  if (!(bits === 8 || bits === 16 || (lowBitsOk && (bits === 1 || bits === 2 || bits === 4)))) return no(`${bits} bits per sample`);
  if (info.colorMode === "indexed" && bits === 16) return no("16-bit palette indices");
  if (info.samplesPerPixel < colorChannels(info.colorMode)) return no(`${info.samplesPerPixel} samples for ${info.colorMode}`);
  if (info.predictor !== 1 && !(info.predictor === 2 && bits >= 8)) return no(`predictor ${info.predictor}`);
  if (info.planarConfiguration !== 1 && info.planarConfiguration !== 2) return no(`planar configuration ${info.planarConfiguration}`);
  return { ok: true };
}

// ---------------------------------------------------------------------------
// Decompressors. Each takes a strip's or tile's compressed bytes in pieces as
// they are read and writes its output into whatever buffer the caller offers,
// so neither side has to be held whole: a print TIFF may be one strip of
// 70 MB.

/** Decompresses one strip or tile whose compressed bytes arrive in pieces. */
export interface StripDecoder {
  /** The next piece of input; `last` when no more will come. Call when `wantsInput`. */
  feed(piece: Uint8Array, last: boolean): void;
  /**
   * Writes output to `out` from `at`; returns where it stopped: the end of
   * `out`, or short of it when the input piece is used up (`wantsInput`) or
   * the data has ended.
   */
  drain(out: Uint8Array, at: number): number;
  /** Stopped for more input; false once the data has ended. */
  readonly wantsInput: boolean;
  /** Bytes the decoder holds: tables, window, output not yet taken. */
  readonly retainedBytes: number;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** The decoder for a Compression tag value the decoder supports. */
export function stripDecoder(compression: number): StripDecoder {
  switch (compression) {
    case 1:
      return new CopyDecoder();
    case 5:
      return new LzwDecoder();
    case 8:
    case 32946:
      return new InflateDecoder();
    case 32773:
      return new PackBitsDecoder();
    default:
      throw new TiffError("unsupported", `compression ${compression}`);
  }
}

abstract class PieceDecoder implements StripDecoder {
  protected src: Uint8Array = EMPTY;
  protected pos = 0;
  protected last = false;
  protected ended = false;

  feed(piece: Uint8Array, last: boolean): void {
    this.src = piece;
    this.pos = 0;
    this.last = last;
  }

  get wantsInput(): boolean {
    return !this.ended && !this.last && this.pos >= this.src.length;
  }

  get retainedBytes(): number {
    return 0;
  }

  abstract drain(out: Uint8Array, at: number): number;
}

class CopyDecoder extends PieceDecoder {
  drain(out: Uint8Array, at: number): number {
    const n = Math.min(out.length - at, this.src.length - this.pos);
    out.set(this.src.subarray(this.pos, this.pos + n), at);
    this.pos += n;
    if (this.last && this.pos >= this.src.length) this.ended = true;
    return at + n;
  }
}

/** TIFF LZW: MSB-first codes, "early change" width switch. */
class LzwDecoder extends PieceDecoder {
  private readonly prefix = new Uint16Array(4096);
  private readonly suffix = new Uint8Array(4096);
  private readonly first = new Uint8Array(4096);
  private readonly length = new Uint16Array(4096);
  /** A string that did not fit the caller's buffer, waiting for the next one. */
  private readonly spill = new Uint8Array(4097);
  private spillAt = 0;
  private spillEnd = 0;
  private width = 9;
  private next = 258;
  private old = -1;
  private bitBuf = 0;
  private bitCount = 0;

  constructor() {
    super();
    for (let i = 0; i < 256; i++) {
      this.suffix[i] = i;
      this.first[i] = i;
      this.length[i] = 1;
    }
  }

  override get retainedBytes(): number {
    return 4096 * 6 + this.spill.length;
  }

  drain(out: Uint8Array, at: number): number {
    let o = at;
    const end = out.length;
    if (this.spillAt < this.spillEnd) {
      const n = Math.min(this.spillEnd - this.spillAt, end - o);
      out.set(this.spill.subarray(this.spillAt, this.spillAt + n), o);
      this.spillAt += n;
      o += n;
      if (this.spillAt < this.spillEnd) return o;
    }
    if (this.ended) return o;
    const { prefix, suffix, first, length, src } = this;
    const srcLength = src.length;
    let { width, next, old, bitBuf, bitCount, pos } = this;
    while (o < end) {
      while (bitCount < width && pos < srcLength) {
        bitBuf = ((bitBuf << 8) | src[pos++]!) & 0xffffff;
        bitCount += 8;
      }
      if (bitCount < width) {
        // Out of input: wait for the next piece, or, after the last, the strip is short and the rest stays zero.
        if (this.last) this.ended = true;
        break;
      }
      const code = (bitBuf >>> (bitCount - width)) & ((1 << width) - 1);
      bitCount -= width;
      if (code === 257) {
        this.ended = true;
        break;
      }
      if (code === 256) {
        width = 9;
        next = 258;
        old = -1;
        continue;
      }
      if (old === -1) {
        if (code > 255) throw damaged("LZW stream starts with an undefined code");
        out[o++] = code;
        old = code;
        continue;
      }
      // The string of `code`, or for a code defined by its own use (KwKwK) the previous string plus its first byte.
      let emit: number;
      let firstByte: number;
      let extra = -1;
      if (code < next) {
        emit = code;
        firstByte = first[code]!;
      } else if (code === next) {
        emit = old;
        firstByte = first[old]!;
        extra = firstByte;
      } else {
        throw damaged("LZW code outside the table");
      }
      const len = length[emit]!;
      const total = extra < 0 ? len : len + 1;
      if (o + total <= end) {
        for (let i = o + len - 1, c = emit; i >= o; i--) {
          out[i] = suffix[c]!;
          c = prefix[c]!;
        }
        if (extra >= 0) out[o + len] = extra;
        o += total;
      } else {
        const spill = this.spill;
        for (let i = len - 1, c = emit; i >= 0; i--) {
          spill[i] = suffix[c]!;
          c = prefix[c]!;
        }
        if (extra >= 0) spill[len] = extra;
        const n = end - o;
        out.set(spill.subarray(0, n), o);
        o = end;
        this.spillAt = n;
        this.spillEnd = total;
      }
      if (next < 4096) {
        prefix[next] = old;
        suffix[next] = firstByte;
        first[next] = first[old]!;
        length[next] = length[old]! + 1;
        next++;
      }
      old = code;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
    this.width = width;
    this.next = next;
    this.old = old;
    this.bitBuf = bitBuf;
    this.bitCount = bitCount;
    this.pos = pos;
    return o;
  }
}

class PackBitsDecoder extends PieceDecoder {
  private literal = 0;
  private run = 0;
  /** The run's byte, -1 while it is still to be read. */
  private value = -1;

  drain(out: Uint8Array, at: number): number {
    let o = at;
    const end = out.length;
    const src = this.src;
    while (o < end) {
      if (this.literal > 0) {
        const n = Math.min(this.literal, end - o, src.length - this.pos);
        if (n === 0) break;
        out.set(src.subarray(this.pos, this.pos + n), o);
        o += n;
        this.pos += n;
        this.literal -= n;
      } else if (this.run > 0) {
        if (this.value < 0) {
          if (this.pos >= src.length) break;
          this.value = src[this.pos++]!;
        }
        const n = Math.min(this.run, end - o);
        out.fill(this.value, o, o + n);
        o += n;
        this.run -= n;
      } else {
        if (this.pos >= src.length) break;
        const header = (src[this.pos++]! << 24) >> 24;
        if (header >= 0) this.literal = header + 1;
        else if (header !== -128) {
          this.run = 1 - header;
          this.value = -1;
        }
      }
    }
    if (o < end && this.last && this.pos >= src.length) this.ended = true;
    return o;
  }
}

/** Output one push of input aims at: the input step shrinks as the stream proves compressible, so a flat strip never inflates 1000× at once. */
const INFLATE_TARGET_BYTES = 256 * 1024;
const INFLATE_MIN_STEP = 1024;
const INFLATE_MAX_STEP = 64 * 1024;

/** zlib (Adobe Deflate, and the old code 32946) through fflate's streaming inflater. */
class InflateDecoder extends PieceDecoder {
  private readonly queue: Uint8Array[] = [];
  private queueStart = 0;
  private queuedBytes = 0;
  private bytesIn = 0;
  private bytesOut = 0;
  private pushedFinal = false;
  private readonly inflater = new Unzlib((chunk) => {
    if (!chunk.length) return;
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    this.bytesOut += chunk.length;
  });

  override get retainedBytes(): number {
    return 32768 + this.queuedBytes;
  }

  drain(out: Uint8Array, at: number): number {
    let o = at;
    const end = out.length;
    while (o < end) {
      const head = this.queue[0];
      if (head) {
        const n = Math.min(head.length - this.queueStart, end - o);
        out.set(head.subarray(this.queueStart, this.queueStart + n), o);
        o += n;
        this.queueStart += n;
        this.queuedBytes -= n;
        if (this.queueStart === head.length) {
          this.queue.shift();
          this.queueStart = 0;
        }
        continue;
      }
      if (this.ended) break;
      if (this.pos >= this.src.length) {
        // An empty last piece (a strip of 0 bytes) ends the data with nothing pushed.
        if (this.last) this.ended = true;
        break;
      }
      const ratio = this.bytesIn ? Math.max(1, this.bytesOut / this.bytesIn) : INFLATE_TARGET_BYTES / INFLATE_MIN_STEP;
      const step = Math.min(INFLATE_MAX_STEP, Math.max(INFLATE_MIN_STEP, Math.floor(INFLATE_TARGET_BYTES / ratio)));
      const stop = Math.min(this.src.length, this.pos + step);
      const final = this.last && stop === this.src.length;
      this.inflater.push(this.src.subarray(this.pos, stop), final);
      this.bytesIn += stop - this.pos;
      this.pos = stop;
      if (final) this.pushedFinal = true;
    }
    if (this.pushedFinal && !this.queue.length) this.ended = true;
    return o;
  }
}

/** TIFF LZW of a whole strip held in memory, writing at most `expected` bytes (zeros past a short strip). */
export function decodeLzw(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  const decoder = new LzwDecoder();
  decoder.feed(src, true);
  decoder.drain(out, 0);
  return out;
}

/**
 * Inflates zlib data but stops once `limit` bytes have come out, so a forged
 * stream cannot make us allocate or spin far past what the caller needs.
 * Returns what was produced (possibly shorter than the limit).
 */
export function inflateZlibBounded(src: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  const decoder = new InflateDecoder();
  decoder.feed(src, true);
  const o = decoder.drain(out, 0);
  return o === limit ? out : out.subarray(0, o);
}
