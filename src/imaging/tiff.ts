import { Unzlib } from "fflate";
import { decode as decodeTiffIfds, type TiffIfd } from "tiff";

/**
 * TIFF: a cheap header reader (tags only) and a decoder of the first page to
 * 8-bit RGBA.
 *
 * The `tiff` package parses the IFD (both byte orders, every value type).
 * Its pixel path is not used: 7.1.3 throws on CMYK (photometric 5) and
 * PackBits, writes only the first sample of each pixel of tiled multi-sample
 * images, ignores PlanarConfiguration 2, rejects any orientation other than 1,
 * and builds its LZW strings as JS arrays. The decoder below reads strips or
 * tiles one at a time straight into the RGBA output, so the peak is the
 * output plus one decompressed strip.
 */

export type TiffFailure = "damaged" | "unsupported" | "too_large";

/** Why a TIFF could not be read or decoded: broken bytes, a feature not handled here, or over the pixel limit. */
export class TiffError extends Error {
  constructor(
    readonly reason: TiffFailure,
    message: string,
  ) {
    super(message);
    this.name = "TiffError";
  }
}

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
  /** Whether decodeTiff handles this combination of tags (the reason when not). */
  decodable: { ok: true } | { ok: false; reason: string };
}

/** 8-bit RGBA, row-major, as ImageData holds it; pixels as stored (orientation is not applied). */
export interface DecodedTiff {
  width: number;
  height: number;
  data: Uint8ClampedArray;
  orientation: number;
}

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
  EXIF_IFD: 0x8769,
  GPS_IFD: 0x8825,
  ICC_PROFILE: 34675,
  INK_SET: 0x014c,
} as const;

/** Bytes per value of each TIFF field type (1–12). */
export const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8];

/**
 * Checks that every entry of an IFD (and of the EXIF/GPS IFDs it points to)
 * lies inside the file before the `tiff` package reads it: the package
 * allocates an array of the declared count first, so a forged count of
 * 100 million would allocate that much before failing.
 */
function checkIfdBounds(view: DataView, offset: number, little: boolean, depth = 0): void {
  const size = view.byteLength;
  if (offset < 8 || offset + 2 > size) throw new TiffError("damaged", "IFD offset outside the file");
  const entries = view.getUint16(offset, little);
  if (offset + 2 + entries * 12 + 4 > size) throw new TiffError("damaged", "IFD runs past the end of the file");
  for (let i = 0; i < entries; i++) {
    const at = offset + 2 + i * 12;
    const tag = view.getUint16(at, little);
    const type = view.getUint16(at + 2, little);
    const count = view.getUint32(at + 4, little);
    const bytes = (TYPE_SIZES[type] ?? 0) * count;
    if (bytes > 4) {
      const valueAt = view.getUint32(at + 8, little);
      if (valueAt + bytes > size) throw new TiffError("damaged", `tag ${tag} points past the end of the file`);
    }
    if (tag === TAG.EXIF_IFD || tag === TAG.GPS_IFD) {
      // The package follows these pointers from any IFD; real files nest them once, a loop would recurse forever.
      if (depth >= 2) throw new TiffError("damaged", "EXIF/GPS IFD pointers nested too deep");
      checkIfdBounds(view, view.getUint32(at + 8, little), little, depth + 1);
    }
  }
}

/** The first IFD, parsed by the `tiff` package after a bounds check. Throws TiffError. */
export function readFirstIfd(bytes: Uint8Array): TiffIfd {
  if (bytes.length < 8) throw new TiffError("damaged", "too short for a TIFF header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = view.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d) throw new TiffError("damaged", "no TIFF byte-order mark");
  const little = order === 0x4949;
  const magic = view.getUint16(2, little);
  if (magic === 43) throw new TiffError("unsupported", "BigTIFF is not supported");
  if (magic !== 42) throw new TiffError("damaged", "not a TIFF file");
  checkIfdBounds(view, view.getUint32(4, little), little);
  try {
    const [ifd] = decodeTiffIfds(bytes, { ignoreImageData: true, pages: [0] });
    if (!ifd) throw new TiffError("damaged", "no image in the file");
    return ifd;
  } catch (error) {
    if (error instanceof TiffError) throw error;
    throw new TiffError("damaged", `unreadable IFD: ${(error as Error).message}`);
  }
}

const asArray = (value: unknown): number[] =>
  value === undefined || value === null ? [] : typeof value === "number" ? [value] : Array.from(value as ArrayLike<number>);

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

function colorChannels(mode: TiffColorMode): number {
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

/**
 * Header facts from the tags, without decoding pixels. Throws TiffError for
 * files that are not readable TIFFs. `fileSize`: the whole file's, when
 * `bytes` holds only its tags (strips and tiles are checked against it).
 */
export function readTiffInfo(bytes: Uint8Array, fileSize = bytes.length): TiffInfo {
  return inspectTiff(bytes, fileSize).info;
}

function inspectTiff(bytes: Uint8Array, fileSize = bytes.length): { info: TiffInfo; ifd: TiffIfd } {
  const ifd = readFirstIfd(bytes);
  const width = ifd.width;
  const height = ifd.height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new TiffError("damaged", "missing or invalid image size");
  }
  const samplesPerPixel = ifd.samplesPerPixel;
  const photometric = ifd.get("PhotometricInterpretation") as number | undefined;
  if (photometric === undefined) throw new TiffError("damaged", "missing PhotometricInterpretation");
  const extraSamples = asArray(ifd.get("ExtraSamples"));
  const colorMode = colorModeOf(photometric, samplesPerPixel, ifd.get(TAG.INK_SET) as number | undefined);
  const firstExtra = extraSamples[0];
  const alpha = firstExtra === 1 ? "associated" : firstExtra === 2 ? "unassociated" : "none";

  const xRes = ifd.get("XResolution") as number | undefined;
  const yRes = (ifd.get("YResolution") as number | undefined) ?? xRes;
  const unitTag = (ifd.get("ResolutionUnit") as number | undefined) ?? 2; // TIFF 6.0: inches when absent
  const resolution =
    xRes && yRes && Number.isFinite(xRes) && Number.isFinite(yRes) && xRes > 0 && yRes > 0
      ? { x: xRes, y: yRes, unit: unitTag === 3 ? ("cm" as const) : unitTag === 1 ? ("none" as const) : ("inch" as const) }
      : null;

  const icc = ifd.get(TAG.ICC_PROFILE) as Uint8Array | number | undefined;
  const tiled = ifd.tileWidth !== undefined && ifd.tileHeight !== undefined && ifd.get("TileOffsets") !== undefined;
  const offsets = asArray(ifd.get(tiled ? "TileOffsets" : "StripOffsets"));
  const counts = asArray(ifd.get(tiled ? "TileByteCounts" : "StripByteCounts"));
  const dataComplete = offsets.length > 0 && offsets.every((offset, i) => offset + (counts[i] ?? 0) <= fileSize);

  const info = {
    width,
    height,
    bitsPerSample: ifd.bitsPerSample ?? 1,
    samplesPerPixel,
    sampleFormat: ifd.sampleFormat,
    photometric,
    colorMode,
    extraSamples,
    alpha,
    resolution,
    iccProfile: icc instanceof Uint8Array ? icc : null,
    compression: ifd.compression,
    compressionName: COMPRESSION_NAMES[ifd.compression] ?? `unknown-${ifd.compression}`,
    planarConfiguration: ifd.planarConfiguration,
    predictor: ifd.predictor,
    orientation: (ifd.get("Orientation") as number | undefined) ?? null,
    tiled,
    dataComplete,
  } satisfies Omit<TiffInfo, "decodable">;
  return { info: { ...info, decodable: decodability(info) }, ifd };
}

/** TIFF LZW (MSB-first codes, "early change" width switch), writing at most `expected` bytes. */
export function decodeLzw(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let width = 9;
  let next = 258;
  let old = -1;
  let o = 0;
  let bitBuf = 0;
  let bitCount = 0;
  let pos = 0;
  const write = (code: number) => {
    const len = length[code]!;
    let c = code;
    for (let i = len - 1; i >= 0; i--) {
      if (o + i < expected) out[o + i] = suffix[c]!;
      c = prefix[c]!;
    }
    o += len;
  };
  while (o < expected) {
    while (bitCount < width && pos < src.length) {
      bitBuf = ((bitBuf << 8) | src[pos++]!) & 0xffffff;
      bitCount += 8;
    }
    if (bitCount < width) break; // ran out of data: the strip is short, the rest stays zero
    const code = (bitBuf >>> (bitCount - width)) & ((1 << width) - 1);
    bitCount -= width;
    if (code === 257) break;
    if (code === 256) {
      width = 9;
      next = 258;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new TiffError("damaged", "LZW stream starts with an undefined code");
      out[o++] = code;
      old = code;
      continue;
    }
    let firstByte: number;
    if (code < next) {
      write(code);
      firstByte = first[code]!;
    } else if (code === next) {
      firstByte = first[old]!;
      write(old);
      if (o < expected) out[o] = firstByte;
      o++;
    } else {
      throw new TiffError("damaged", "LZW code outside the table");
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
  return out;
}

function decodePackBits(src: Uint8Array, expected: number): Uint8Array {
  const out = new Uint8Array(expected);
  let i = 0;
  let o = 0;
  while (o < expected && i < src.length) {
    const n = (src[i++]! << 24) >> 24;
    if (n >= 0) {
      const end = Math.min(i + n + 1, src.length);
      while (i < end && o < expected) out[o++] = src[i++]!;
      i = end;
    } else if (n !== -128) {
      const value = src[i++] ?? 0;
      for (let k = 0; k < 1 - n && o < expected; k++) out[o++] = value;
    }
  }
  return out;
}

/** Input bytes pushed per step: one step expands at most ~1032× (deflate's limit), so ≤ 17 MB; smaller steps cost more in calls than they save. */
const INFLATE_STEP_BYTES = 16_384;

/**
 * Inflates zlib data but stops once `limit` bytes have come out, so a forged
 * stream cannot make us allocate or spin far past what the caller needs.
 * Returns what was produced (possibly shorter than the limit).
 */
export function inflateZlibBounded(src: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let o = 0;
  const inflater = new Unzlib((chunk) => {
    const take = Math.min(chunk.length, limit - o);
    out.set(chunk.subarray(0, take), o);
    o += take;
  });
  for (let i = 0; i < src.length && o < limit; i += INFLATE_STEP_BYTES) {
    const end = Math.min(i + INFLATE_STEP_BYTES, src.length);
    inflater.push(src.subarray(i, end), end === src.length);
  }
  return o === limit ? out : out.subarray(0, o);
}

function decompress(src: Uint8Array, compression: number, expected: number): Uint8Array {
  switch (compression) {
    case 1:
      return src;
    case 5:
      return decodeLzw(src, expected);
    case 8:
    case 32946:
      return inflateZlibBounded(src, expected);
    case 32773:
      return decodePackBits(src, expected);
    default:
      throw new TiffError("unsupported", `compression ${compression}`);
  }
}

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

/** Pixel limit decodeTiff applies when the caller gives none: 100 MB of RGBA, more than one isolate can hold anyway. */
export const DEFAULT_MAX_TIFF_PIXELS = 25_000_000;

/**
 * Decodes the first page to 8-bit RGBA. Grey, RGB, palette and CMYK; 1/2/4
 * (grey and palette), 8 and 16 bits (16 scaled to 8); alpha (associated alpha
 * is un-premultiplied); strips or tiles, chunky or planar; none, LZW,
 * Deflate and PackBits, with or without horizontal predictor.
 *
 * CMYK is converted naively (R = (1−C)(1−K), no ICC profile), which is what
 * ImageMagick does without profiles: good enough for previews, sharpness and
 * fixes, not for colour-accurate proofs.
 *
 * Throws TiffError: "too_large" before allocating anything when the image has
 * more than maxPixels pixels, "unsupported" or "damaged" otherwise.
 */
export function decodeTiff(bytes: Uint8Array, options: { maxPixels?: number } = {}): DecodedTiff {
  const { info, ifd } = inspectTiff(bytes);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_TIFF_PIXELS;
  if (info.width * info.height > maxPixels) {
    throw new TiffError("too_large", `${info.width}×${info.height} px is over the limit of ${maxPixels} pixels`);
  }
  if (!info.decodable.ok) throw new TiffError("unsupported", info.decodable.reason);
  if (!info.dataComplete) throw new TiffError("damaged", "image data runs past the end of the file (truncated?)");
  const { width, height, samplesPerPixel: spp, bitsPerSample: bits, colorMode } = info;
  const little = bytes[0] === 0x49;
  const planar = info.planarConfiguration === 2;
  const pixels = width * height;
  const rgba = new Uint8ClampedArray(pixels * 4);
  const hasAlpha = info.alpha !== "none";
  // CMYK fills all four RGBA slots before conversion, so its alpha waits in a plane of its own.
  const sideAlpha = hasAlpha && colorMode === "cmyk" ? new Uint8Array(pixels) : null;

  // Where each stored sample goes: RGBA slot 0–3, 4 = the side alpha plane, -1 = dropped.
  const colorSamples = colorChannels(colorMode);
  const slots = new Int8Array(spp).fill(-1);
  for (let s = 0; s < colorSamples; s++) slots[s] = s;
  if (hasAlpha) slots[colorSamples] = sideAlpha ? 4 : 3;

  // Palette indices stay raw; every other low-bit sample is stretched to 0–255.
  const scaleLowBits = colorMode !== "indexed";

  const tileW = info.tiled ? (ifd.tileWidth ?? width) : width;
  const tileH = info.tiled ? (ifd.tileHeight ?? height) : Math.min(ifd.rowsPerStrip, height);
  const across = Math.ceil(width / tileW);
  const down = Math.ceil(height / tileH);
  const chunksPerPlane = across * down;
  const offsets = asArray(ifd.get(info.tiled ? "TileOffsets" : "StripOffsets"));
  const counts = asArray(ifd.get(info.tiled ? "TileByteCounts" : "StripByteCounts"));
  const planes = planar ? spp : 1;
  if (offsets.length < chunksPerPlane * planes) throw new TiffError("damaged", "fewer strips or tiles than the image needs");

  // Tiles may overhang the image, but a forged tile size must not make one strip or tile larger than the whole limit.
  if (tileW * tileH > maxPixels) throw new TiffError("damaged", `a ${tileW}×${tileH} strip or tile is larger than the pixel limit`);
  const samplesInChunk = planar ? 1 : spp;
  const rowBytes = Math.ceil((tileW * samplesInChunk * bits) / 8);
  // Four chunky samples landing in R, G, B, A (RGBA, or CMYK before conversion) copy a row at a time.
  const direct = !planar && spp === 4 && slots.every((slot, i) => slot === i);
  const scratch = new Uint8Array(tileW * samplesInChunk);

  for (let plane = 0; plane < planes; plane++) {
    if (planar && slots[plane]! < 0) continue; // an extra sample nothing reads
    for (let chunk = 0; chunk < chunksPerPlane; chunk++) {
      const index = plane * chunksPerPlane + chunk;
      const x0 = (chunk % across) * tileW;
      const y0 = Math.floor(chunk / across) * tileH;
      // The last strip holds only the rows that are left; tiles are always stored whole.
      const rows = info.tiled ? tileH : Math.min(tileH, height - y0);
      const expected = rowBytes * rows;
      const offset = offsets[index]!;
      const count = counts[index] ?? (info.compression === 1 ? expected : 0);
      let raw: Uint8Array;
      try {
        raw = decompress(bytes.subarray(offset, offset + count), info.compression, expected);
      } catch (error) {
        if (error instanceof TiffError) throw error;
        throw new TiffError("damaged", `strip or tile ${index} does not decompress: ${(error as Error).message}`);
      }
      // Uncompressed strips are views into the file; copy before undoing the predictor in place.
      const data = info.predictor === 2 && raw.buffer === bytes.buffer ? raw.slice() : raw;

      for (let r = 0; r < rows; r++) {
        const y = y0 + r;
        if (y >= height) break;
        const rowStart = r * rowBytes;
        // A short strip leaves its missing rows black, as libtiff-based readers show them.
        if (rowStart + rowBytes > data.length) break;
        const row = data.subarray(rowStart, rowStart + rowBytes);
        if (info.predictor === 2) undoPredictor(row, samplesInChunk, tileW, bits, little);
        const columns = Math.min(tileW, width - x0);
        const bytes8 = bits === 8 ? row : toBytes(row, columns * samplesInChunk, bits, little, scaleLowBits, scratch);
        const first = y * width + x0;
        if (planar) scatterPlane(bytes8, columns, first, slots[plane]!, rgba, sideAlpha);
        else if (direct) rgba.set(bytes8.subarray(0, columns * 4), first * 4);
        else scatterChunky(bytes8, columns, samplesInChunk, first, slots, rgba, sideAlpha);
      }
    }
  }

  finishPixels(rgba, info, ifd, sideAlpha);
  return { width, height, data: rgba, orientation: info.orientation ?? 1 };
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

/** Turns the stored samples sitting in the RGBA slots into RGBA, in place. */
function finishPixels(rgba: Uint8ClampedArray, info: TiffInfo, ifd: TiffIfd, sideAlpha: Uint8Array | null): void {
  const pixels = info.width * info.height;
  let palette: Uint8Array | null = null;
  if (info.colorMode === "indexed") {
    const map = asArray(ifd.get("ColorMap"));
    const entries = 1 << info.bitsPerSample;
    if (map.length < 3 * entries) throw new TiffError("damaged", "palette image without a full ColorMap");
    palette = new Uint8Array(entries * 3);
    for (let i = 0; i < entries; i++) {
      palette[i * 3] = ((map[i]! + 128) / 257) | 0;
      palette[i * 3 + 1] = ((map[i + entries]! + 128) / 257) | 0;
      palette[i * 3 + 2] = ((map[i + 2 * entries]! + 128) / 257) | 0;
    }
  }
  const n = pixels * 4;
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
    case "indexed":
      for (let i = 0; i < n; i += 4) {
        const k = rgba[i]! * 3;
        rgba[i] = palette![k]!;
        rgba[i + 1] = palette![k + 1]!;
        rgba[i + 2] = palette![k + 2]!;
      }
      break;
    case "cmyk":
      for (let p = 0, i = 0; i < n; p++, i += 4) {
        const white = 255 - rgba[i + 3]!;
        rgba[i] = ((255 - rgba[i]!) * white) / 255;
        rgba[i + 1] = ((255 - rgba[i + 1]!) * white) / 255;
        rgba[i + 2] = ((255 - rgba[i + 2]!) * white) / 255;
        rgba[i + 3] = sideAlpha ? sideAlpha[p]! : 255;
      }
      break;
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
