import { crc32 } from "../imaging/png-stream";
import { concatBytes } from "../platform/encoding";

/**
 * Print resolution metadata of an output file: PNG pHYs (pixels per metre)
 * and JPEG JFIF density (dots per inch). An upscale keeps the print size and
 * multiplies the pixel count, so without this a print shop's RIP would
 * read the old dpi (or its 72 dpi default) and print the file 2–4× too big.
 */

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const METRES_PER_INCH = 0.0254;
/** JFIF stores density as an unsigned 16-bit number. */
const MAX_JFIF_DENSITY = 0xffff;

export function pixelsPerMetre(dpi: number): number {
  return Math.round(dpi / METRES_PER_INCH);
}

/**
 * A complete pHYs chunk (length, type, data, CRC) for `dpi`, for encoders
 * that write the file as a stream: it goes anywhere between IHDR and the
 * first IDAT.
 */
export function pngPhysChunk(dpi: number): Uint8Array {
  checkDpi(dpi);
  const ppm = pixelsPerMetre(dpi);
  const chunk = new Uint8Array(21);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, 9);
  chunk.set([0x70, 0x48, 0x59, 0x73], 4); // "pHYs"
  view.setUint32(8, ppm);
  view.setUint32(12, ppm);
  chunk[16] = 1; // unit: metre
  view.setUint32(17, crc32(chunk.subarray(4, 17)));
  return chunk;
}

/** The PNG with its pHYs chunks replaced by one for `dpi`, placed right after IHDR. */
export function setPngResolution(png: Uint8Array, dpi: number): Uint8Array {
  if (png.length < 33 || PNG_SIGNATURE.some((b, i) => png[i] !== b)) throw new TypeError("not a PNG file");
  const phys = pngPhysChunk(dpi);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const kept: Uint8Array[] = [png.subarray(0, 8)];
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = view.getUint32(offset);
    const end = offset + 12 + length;
    if (end > png.length) throw new TypeError("truncated PNG chunk");
    const type = String.fromCharCode(png[offset + 4]!, png[offset + 5]!, png[offset + 6]!, png[offset + 7]!);
    if (type !== "pHYs") kept.push(png.subarray(offset, end));
    if (type === "IHDR") kept.push(phys);
    offset = end;
    if (type === "IEND") break;
  }
  if (kept[1] === undefined || String.fromCharCode(...kept[1].subarray(4, 8)) !== "IHDR") throw new TypeError("PNG does not start with IHDR");
  return concatBytes(kept);
}

/**
 * The JPEG with its JFIF density set to `dpi` (units 1 = dots per inch).
 * A JFIF APP0 right after SOI is patched in place of its density; a file
 * without one (EXIF-only cameras) gets one inserted there. EXIF resolution
 * tags are left as they are: the service's own encoders write none.
 */
export function setJpegResolution(jpeg: Uint8Array, dpi: number): Uint8Array {
  checkDpi(dpi);
  const density = Math.round(dpi);
  if (density < 1 || density > MAX_JFIF_DENSITY) throw new RangeError(`JFIF density must be 1–${MAX_JFIF_DENSITY} dpi, not ${dpi}`);
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new TypeError("not a JPEG file");
  const hasJfif =
    jpeg.length >= 20 && jpeg[2] === 0xff && jpeg[3] === 0xe0 && String.fromCharCode(...jpeg.subarray(6, 11)) === "JFIF\0" && ((jpeg[4]! << 8) | jpeg[5]!) >= 16;
  if (hasJfif) {
    const out = jpeg.slice();
    // APP0: FFE0, length(2), "JFIF\0", version(2), units(1), Xdensity(2), Ydensity(2), …
    out[13] = 1;
    new DataView(out.buffer).setUint16(14, density);
    new DataView(out.buffer).setUint16(16, density);
    return out;
  }
  const app0 = new Uint8Array([0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 1, density >> 8, density & 0xff, density >> 8, density & 0xff, 0, 0]);
  return concatBytes([jpeg.subarray(0, 2), app0, jpeg.subarray(2)]);
}

export function setPrintResolution(bytes: Uint8Array, type: "png" | "jpeg", dpi: number): Uint8Array {
  return type === "png" ? setPngResolution(bytes, dpi) : setJpegResolution(bytes, dpi);
}

function checkDpi(dpi: number): void {
  if (!(dpi > 0 && Number.isFinite(dpi))) throw new RangeError(`dpi must be a positive number, not ${dpi}`);
}

