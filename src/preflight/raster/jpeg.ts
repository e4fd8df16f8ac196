import { concatBytes } from "../../platform/encoding";
import { startsWith, toDpi, u16be } from "./bytes";
import { readExif } from "./exif";
import { ABSENT_ICC, describeIcc } from "./icc";
import { type ColorMode, type EmbeddedDpi, type RasterHeader, UnreadableRaster } from "./header";

const SOF_PROCESSES: Record<number, string> = {
  0xc0: "jpeg-baseline",
  0xc1: "jpeg-extended",
  0xc2: "jpeg-progressive",
  0xc3: "jpeg-lossless",
  0xc5: "jpeg-differential",
  0xc6: "jpeg-differential-progressive",
  0xc7: "jpeg-differential-lossless",
  0xc9: "jpeg-arithmetic",
  0xca: "jpeg-arithmetic-progressive",
  0xcb: "jpeg-arithmetic-lossless",
  0xcd: "jpeg-arithmetic-differential",
  0xce: "jpeg-arithmetic-differential-progressive",
  0xcf: "jpeg-arithmetic-differential-lossless",
};

interface Frame {
  process: string;
  precision: number;
  height: number;
  width: number;
  components: number;
}

/**
 * Walks the JPEG's marker segments: SOF (size, precision, components), JFIF
 * APP0 density, EXIF APP1 and ICC_PROFILE APP2 chunks; then skips the
 * entropy-coded scans to find EOI, because a decoder may fill a cut-off
 * scan with grey without failing.
 */
export function readJpegHeader(b: Uint8Array): RasterHeader {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) throw new UnreadableRaster("not a JPEG file (no SOI marker)");
  let frame: Frame | null = null;
  let jfif: { units: number; x: number; y: number } | null = null;
  let exif: ReturnType<typeof readExif> | null = null;
  const iccChunks = new Map<number, Uint8Array>();
  let iccCount = 0;
  let damage: string | null = null;
  let sawScan = false;
  let ended = false;

  let i = 2;
  while (i < b.length) {
    if (b[i] !== 0xff) {
      damage = `no marker at byte ${i}`;
      break;
    }
    const marker = b[i + 1];
    if (marker === undefined) break;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd9) {
      ended = true;
      break;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (i + 4 > b.length) break;
    const length = u16be(b, i + 2);
    const end = i + 2 + length;
    if (length < 2 || end > b.length) {
      damage = `segment 0x${marker.toString(16)} runs past the end of the file`;
      break;
    }
    const s = i + 4; // segment payload
    if (SOF_PROCESSES[marker] && !frame && length >= 8) {
      frame = { process: SOF_PROCESSES[marker]!, precision: b[s]!, height: u16be(b, s + 1), width: u16be(b, s + 3), components: b[s + 5]! };
    } else if (marker === 0xe0 && startsWith(b, s, "JFIF\0") && length >= 16) {
      jfif = { units: b[s + 7]!, x: u16be(b, s + 8), y: u16be(b, s + 10) };
    } else if (marker === 0xe1 && startsWith(b, s, "Exif\0\0") && !exif) {
      exif = readExif(b.subarray(s + 6, end));
    } else if (marker === 0xe2 && startsWith(b, s, "ICC_PROFILE\0") && length >= 18) {
      // Profiles over 64 KB are split over several APP2 segments, numbered from 1.
      iccChunks.set(b[s + 12]!, b.subarray(s + 14, end));
      iccCount = b[s + 13]!;
    }
    i = end;
    if (marker === 0xda) {
      sawScan = true;
      // Entropy-coded data: the next marker is an 0xFF not followed by 0x00 (stuffing) or RSTn.
      let j = i;
      for (;;) {
        j = b.indexOf(0xff, j);
        if (j < 0 || j + 1 >= b.length) {
          j = -1;
          break;
        }
        const next = b[j + 1]!;
        if (next === 0x00 || next === 0xff || (next >= 0xd0 && next <= 0xd7)) {
          j += next === 0xff ? 1 : 2;
          continue;
        }
        break;
      }
      if (j < 0) {
        damage = "the image data is cut short (no end-of-image marker)";
        break;
      }
      i = j;
    }
  }

  if (!frame) throw new UnreadableRaster(damage ? `JPEG without a frame header: ${damage}` : "JPEG without a frame header (SOF)");
  if (frame.width === 0 || frame.height === 0) throw new UnreadableRaster("JPEG frame header gives no size");
  if (!damage && !sawScan) damage = "the file has no image data (no scan)";
  if (!damage && !ended) damage = "the image data is cut short (no end-of-image marker)";

  const colorMode: ColorMode = frame.components === 1 ? "gray" : frame.components === 3 ? "rgb" : frame.components === 4 ? "cmyk" : "other";
  let embeddedDpi: EmbeddedDpi | null = null;
  // JFIF units 0 give only an aspect ratio; then EXIF may still state a resolution.
  if (jfif && (jfif.units === 1 || jfif.units === 2) && jfif.x > 0 && jfif.y > 0) {
    const unit = jfif.units === 1 ? "inch" : "cm";
    embeddedDpi = { x: toDpi(jfif.x, unit), y: toDpi(jfif.y, unit), source: "jfif" };
  } else if (exif?.resolution) {
    embeddedDpi = { x: toDpi(exif.resolution.x, exif.resolution.unit), y: toDpi(exif.resolution.y, exif.resolution.unit), source: "exif" };
  }

  let iccProfile = ABSENT_ICC;
  if (iccChunks.size > 0) {
    const parts = Array.from({ length: Math.max(iccCount, 1) }, (_, k) => iccChunks.get(k + 1));
    // A missing chunk leaves the profile unreadable, but it is still embedded.
    iccProfile = parts.every((p) => p) ? describeIcc(concatBytes(parts as Uint8Array[])) : { present: true, description: null, colorSpace: null, bytes: null };
  }

  // CMYK and YCCK decode to sRGB through the colour engine (src/imaging/jpeg-bands.ts).
  let undecodable: string | null = null;
  if (colorMode === "other") undecodable = `JPEG with ${frame.components} components`;
  else if (frame.precision !== 8) undecodable = `${frame.precision}-bit JPEG`;

  return {
    format: "jpeg",
    widthPx: frame.width,
    heightPx: frame.height,
    bitDepth: frame.precision,
    colorMode,
    channels: frame.components,
    hasAlphaChannel: false,
    iccProfile,
    srgbDeclared: false,
    embeddedDpi,
    exifOrientation: exif?.orientation ?? null,
    compression: frame.process,
    damage,
    undecodable,
  };
}

