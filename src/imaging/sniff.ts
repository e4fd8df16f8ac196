/**
 * File type and pixel size from the first bytes of a file, without decoding
 * it: the pixel limit is enforced before a decoder allocates anything, which
 * is what stops decompression bombs (a few KB of PNG declaring 20000×20000).
 */
export type SniffedType = "jpeg" | "png" | "webp" | "tiff" | "pdf" | "gif";

export interface Sniffed {
  type: SniffedType;
  width?: number;
  height?: number;
}

export const MIME_TYPES: Record<SniffedType, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  tiff: "image/tiff",
  pdf: "application/pdf",
  gif: "image/gif",
};

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + (b[i + 1]! << 16) + (b[i + 2]! << 8) + b[i + 3]!;
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

export function sniffType(bytes: Uint8Array): SniffedType | null {
  if (bytes.length >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 3) === "PNG") return "png";
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "jpeg";
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 4) === "WEBP") return "webp";
  if (bytes.length >= 4 && (ascii(bytes, 0, 4) === "II*\0" || ascii(bytes, 0, 4) === "MM\0*")) return "tiff";
  if (bytes.length >= 5 && ascii(bytes, 0, 5) === "%PDF-") return "pdf";
  if (bytes.length >= 6 && (ascii(bytes, 0, 6) === "GIF87a" || ascii(bytes, 0, 6) === "GIF89a")) return "gif";
  return null;
}

function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const length = u16be(b, i + 2);
    // SOF0–SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: u16be(b, i + 5), width: u16be(b, i + 7) };
    }
    i += 2 + length;
  }
  return null;
}

function webpSize(b: Uint8Array): { width: number; height: number } | null {
  const chunk = ascii(b, 12, 4);
  if (chunk === "VP8 " && b.length >= 30) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (chunk === "VP8L" && b.length >= 25) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8X" && b.length >= 30) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  return null;
}

/**
 * Whether libwebp decodes any of a WebP with its lossless decoder: a VP8L
 * image, or an ALPH chunk (the alpha plane beside lossy colour), or an
 * animation (whose frames may be either; conservatively yes). That decoder
 * holds a 32-bit copy of the whole plane besides the RGBA output, so such a
 * file needs about twice the memory of an opaque lossy one. Walks the RIFF
 * chunks of the whole file; the VP8X alpha flag counts too.
 */
export function webpDecodesLossless(bytes: Uint8Array): boolean {
  if (sniffType(bytes) !== "webp") return false;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const fourcc = ascii(bytes, at, 4);
    if (fourcc === "VP8L" || fourcc === "ALPH" || fourcc === "ANMF") return true;
    if (fourcc === "VP8X" && at + 9 <= bytes.length && (bytes[at + 8]! & 0x10) !== 0) return true;
    if (fourcc === "VP8 ") return false;
    const size = u16le(bytes, at + 4) + u16le(bytes, at + 6) * 0x10000;
    at += 8 + size + (size & 1);
  }
  return false;
}

export function sniff(bytes: Uint8Array): Sniffed | null {
  const type = sniffType(bytes);
  if (!type) return null;
  let size: { width: number; height: number } | null = null;
  if (type === "png" && bytes.length >= 24 && ascii(bytes, 12, 4) === "IHDR") size = { width: u32be(bytes, 16), height: u32be(bytes, 20) };
  else if (type === "jpeg") size = jpegSize(bytes);
  else if (type === "webp") size = webpSize(bytes);
  return size ? { type, ...size } : { type };
}
