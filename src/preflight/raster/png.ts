import { inflateZlibBounded } from "../../imaging/tiff";
import { ascii, startsWith, toDpi, u32be } from "./bytes";
import { readExif } from "./exif";
import { ABSENT_ICC, describeIcc, type IccFacts } from "./icc";
import { type ColorMode, type EmbeddedDpi, type RasterHeader, UnreadableRaster } from "./header";

/** Enough of an inflated iCCP profile for its header, tag table and description; the size comes from its header. */
const ICC_INFLATE_LIMIT_BYTES = 1 << 20;

const COLOR_TYPES: Record<number, { mode: ColorMode; channels: number; alpha: boolean }> = {
  0: { mode: "gray", channels: 1, alpha: false },
  2: { mode: "rgb", channels: 3, alpha: false },
  3: { mode: "indexed", channels: 1, alpha: false },
  4: { mode: "gray", channels: 2, alpha: true },
  6: { mode: "rgb", channels: 4, alpha: true },
};

/**
 * Walks the PNG's chunks: IHDR (size, bit depth, colour type), pHYs, iCCP,
 * sRGB, tRNS and eXIf, and checks that the chunk chain reaches IEND inside
 * the file (a cut-off PNG is reported, not guessed at).
 */
export function readPngHeader(b: Uint8Array): RasterHeader {
  if (b.length < 33 || b[0] !== 0x89 || !startsWith(b, 1, "PNG\r\n\x1a\n")) throw new UnreadableRaster("not a PNG file (bad signature)");
  if (!startsWith(b, 12, "IHDR") || u32be(b, 8) !== 13) throw new UnreadableRaster("PNG without an IHDR chunk first");
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  const bitDepth = b[24]!;
  const colorType = COLOR_TYPES[b[25]!];
  if (!colorType || width === 0 || height === 0) throw new UnreadableRaster(`PNG with an invalid IHDR (colour type ${b[25]}, ${width}×${height})`);

  let dpi: EmbeddedDpi | null = null;
  let iccProfile: IccFacts = ABSENT_ICC;
  let srgb = false;
  let trns = false;
  let orientation: number | null = null;
  let sawData = false;
  let ended = false;
  let damage: string | null = null;

  let i = 8;
  while (i + 8 <= b.length) {
    const length = u32be(b, i);
    const type = ascii(b, i + 4, 4);
    const data = i + 8;
    if (data + length + 4 > b.length) {
      damage = `chunk ${type} runs past the end of the file`;
      break;
    }
    if (type === "IDAT") sawData = true;
    else if (type === "IEND") {
      ended = true;
      break;
    } else if (type === "pHYs" && length >= 9 && b[data + 8] === 1) {
      // Unit 1 is the metre; unit 0 gives only the pixel aspect ratio, so no dpi.
      dpi = { x: toDpi(u32be(b, data), "m"), y: toDpi(u32be(b, data + 4), "m"), source: "png_phys" };
    } else if (type === "iCCP") {
      iccProfile = readIccp(b.subarray(data, data + length));
    } else if (type === "sRGB") srgb = true;
    else if (type === "tRNS") trns = true;
    else if (type === "eXIf") orientation = readExif(b.subarray(data, data + length)).orientation;
    i = data + length + 4;
  }
  if (!damage && !sawData) damage = "the file has no image data (no IDAT chunk)";
  if (!damage && !ended) damage = "the file is cut short (no IEND chunk)";

  return {
    format: "png",
    widthPx: width,
    heightPx: height,
    bitDepth,
    colorMode: colorType.mode,
    channels: colorType.channels,
    // tRNS makes a palette entry or one grey/RGB value transparent: alpha without an alpha channel.
    hasAlphaChannel: colorType.alpha || trns,
    iccProfile,
    srgbDeclared: srgb,
    embeddedDpi: dpi,
    exifOrientation: orientation,
    compression: "deflate",
    damage,
    undecodable: null,
  };
}

function readIccp(chunk: Uint8Array): IccFacts {
  const nameEnd = chunk.indexOf(0);
  // Name (1–79 bytes), NUL, compression method 0 (zlib), then the compressed profile.
  if (nameEnd < 1 || chunk[nameEnd + 1] !== 0) return { present: true, description: null, colorSpace: null, bytes: null };
  try {
    return describeIcc(inflateZlibBounded(chunk.subarray(nameEnd + 2), ICC_INFLATE_LIMIT_BYTES));
  } catch {
    // The profile is there but its zlib stream is broken: present, not describable.
    return { present: true, description: null, colorSpace: null, bytes: null };
  }
}
