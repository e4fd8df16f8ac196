/**
 * EXIF orientation for JPEGs, applied in place. The JPEG decoder could
 * rotate by itself, but it does so with two extra full-size copies inside
 * its wasm heap (12 bytes per pixel in all), which is what phone photos
 * (orientation 6) would cost; permuting the decoded pixels where they lie
 * needs one bit per pixel.
 */

/** The EXIF orientation (1–8) of a JPEG, or 1 when it has none: the first APP1 "Exif" segment that names one wins. */
export function jpegOrientation(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 2;
  while (offset + 4 <= bytes.length && bytes[offset] === 0xff) {
    const marker = bytes[offset + 1]!;
    // Fill bytes, and markers without a length.
    if (marker === 0xff) {
      offset++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      offset += 2;
      continue;
    }
    // Start of scan or end of image: no metadata after this point matters.
    if (marker === 0xda || marker === 0xd9) break;
    const length = view.getUint16(offset + 2);
    const start = offset + 4;
    const end = Math.min(bytes.length, offset + 2 + length);
    if (marker === 0xe1 && end - start >= 12 && String.fromCharCode(...bytes.subarray(start, start + 6)) === "Exif\0\0") {
      const orientation = exifOrientation(bytes.subarray(start, end));
      if (orientation > 0) return orientation > 8 ? 1 : orientation;
    }
    offset += 2 + length;
  }
  return 1;
}

/** The orientation tag of an APP1 Exif segment's data (starting with "Exif\0\0"), or 0 when it names none. */
export function exifOrientation(exif: Uint8Array): number {
  const tiff = 6;
  const motorola = exif[tiff] === 0x4d && exif[tiff + 1] === 0x4d;
  if (!motorola && !(exif[tiff] === 0x49 && exif[tiff + 1] === 0x49)) return 0;
  const view = new DataView(exif.buffer, exif.byteOffset, exif.byteLength);
  const short = (at: number) => view.getUint16(at, !motorola);
  if (short(tiff + 2) !== 0x2a) return 0;
  const ifd = view.getUint32(tiff + 4, !motorola);
  if (ifd < 8 || ifd > exif.length - 2) return 0;
  let at = tiff + ifd;
  if (at + 2 > exif.length) return 0;
  const tags = short(at);
  at += 2;
  for (let i = 0; i < tags && at + 12 <= exif.length; i++, at += 12) {
    if (short(at) === 0x0112) return short(at + 8);
  }
  return 0;
}

/**
 * Applies an EXIF orientation to RGBA pixels in their own buffer; returns
 * the upright size. Orientations 5–8 swap width and height: the pixels are
 * permuted cycle by cycle, with a bitset marking what has been placed.
 */
export function orientInPlace(data: Uint8Array | Uint8ClampedArray, width: number, height: number, orientation: number): { width: number; height: number } {
  if (orientation <= 1 || orientation > 8) return { width, height };
  const pixels = new Uint32Array(data.buffer, data.byteOffset, width * height);
  if (orientation === 2) {
    for (let y = 0; y < height; y++) pixels.subarray(y * width, (y + 1) * width).reverse();
    return { width, height };
  }
  if (orientation === 3) {
    pixels.reverse();
    return { width, height };
  }
  if (orientation === 4) {
    const row = new Uint32Array(width);
    for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
      row.set(pixels.subarray(top * width, (top + 1) * width));
      pixels.copyWithin(top * width, bottom * width, (bottom + 1) * width);
      pixels.set(row, bottom * width);
    }
    return { width, height };
  }
  // Upright size: height × width. For each upright position, where its pixel is stored now.
  const outWidth = height;
  const source = (index: number): number => {
    const dy = Math.floor(index / outWidth);
    const dx = index - dy * outWidth;
    switch (orientation) {
      case 5:
        return dx * width + dy;
      case 6:
        return (height - 1 - dx) * width + dy;
      case 7:
        return (height - 1 - dx) * width + (width - 1 - dy);
      default:
        return dx * width + (width - 1 - dy);
    }
  };
  const placed = new Uint8Array((pixels.length + 7) >> 3);
  for (let start = 0; start < pixels.length; start++) {
    if (placed[start >> 3]! & (1 << (start & 7))) continue;
    const carried = pixels[start]!;
    let at = start;
    for (;;) {
      placed[at >> 3]! |= 1 << (at & 7);
      const from = source(at);
      if (from === start) {
        pixels[at] = carried;
        break;
      }
      pixels[at] = pixels[from]!;
      at = from;
    }
  }
  return { width: height, height: width };
}
