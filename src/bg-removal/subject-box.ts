import type { RowBand } from "../imaging/raster-stream";
import { yieldToRuntime } from "../platform/yield";
import type { CropBox } from "./crop";
import type { CutAlpha } from "./cut-alpha";
import { bilinearTap, clamp255 } from "./matte";

/**
 * The least output alpha that counts as subject (8 of 255, 3 % coverage).
 * Any alpha at all would not do: the model leaves faint values across the
 * frame, and a feathered matte spreads them (the horse composite at
 * edge_softness 10 has pixels of alpha 1–7 out to every border, so "alpha
 * > 0" would keep the whole image; from 8 up the box hugs the horse's
 * feathered edge). What is cut away is next to invisible in print.
 */
export const SUBJECT_MIN_ALPHA = 8;

/** Full-resolution rows of alpha made at a time when the box comes from the matte alone (64 rows at 6000 px: 384 KB). */
const MEASURE_ROWS = 64;

/** Bounds of the pixels at or over SUBJECT_MIN_ALPHA seen so far. */
class BoxTracker {
  private x0 = Infinity;
  private y0 = Infinity;
  private x1 = -1;
  private y1 = -1;

  constructor(private readonly width: number) {}

  /** Rows `y … y + rows − 1` of output alpha. */
  add(alpha: Uint8Array, y: number, rows: number): void {
    const { width } = this;
    for (let r = 0; r < rows; r++) {
      const row = r * width;
      let first = 0;
      while (first < width && alpha[row + first]! < SUBJECT_MIN_ALPHA) first++;
      if (first === width) continue;
      let last = width - 1;
      while (alpha[row + last]! < SUBJECT_MIN_ALPHA) last--;
      if (first < this.x0) this.x0 = first;
      if (last > this.x1) this.x1 = last;
      if (y + r < this.y0) this.y0 = y + r;
      this.y1 = y + r;
    }
  }

  box(): CropBox | null {
    if (this.x1 < 0) return null;
    return { x: this.x0, y: this.y0, width: this.x1 - this.x0 + 1, height: this.y1 - this.y0 + 1 };
  }
}

/** Hands each band of the source, top to bottom, to `visit` (a decode of the staged source). */
export type BandReader = (visit: (band: RowBand) => void) => Promise<void>;

/**
 * The bounding box of the pixels the output shows (alpha ≥
 * SUBJECT_MIN_ALPHA), exact to the pixel, or null when it shows none. No
 * frame is held: the alpha is made a band at a time, as the composite step
 * makes it, and only the bounds are kept.
 *
 * The matte is at the guide's resolution (≤ 2048 px), and the output's alpha
 * can reach a guide pixel beyond the guide's own box (a bilinear tap of a
 * full-resolution pixel lies up to one guide pixel away), so the guide's box
 * alone is not the answer. Where the alpha comes from the matte alone (an
 * upsampled matte, an opaque source) it is made again here without decoding
 * anything, only for the rows whose taps reach guide rows at or over the
 * threshold: a bilinear value is a weighted mean of its four taps, so a
 * pixel can reach the threshold only if one of its taps does. Where the
 * alpha needs the source's pixels (a colour key evaluated per pixel, whose
 * thin strokes may not survive area-averaging into the guide; a source with
 * transparency of its own, which the output keeps), the source is decoded
 * once more, band by band: exact, at the cost of one more decode, and only
 * for those cuts. Measured at 25 MP (6124×4082, docs/background-removal.md):
 * 0.2–0.6 s from the matte alone against 6–14 s for a photo's composite
 * step; 1.0–1.1 s for the extra decode of a colour-keyed PNG, about what the
 * smaller cropped output then saves in deflate.
 */
export async function findSubjectBox(cut: CutAlpha, source: { opaque: boolean; read: BandReader }): Promise<CropBox | null> {
  const tracker = new BoxTracker(cut.width);
  if (cut.needsPixels || !source.opaque) {
    let alpha = new Uint8Array(0);
    await source.read((band) => {
      const pixels = band.width * band.height;
      if (alpha.length < pixels) alpha = new Uint8Array(pixels);
      const a = alpha.subarray(0, pixels);
      cut.rows(band.y, band.height, band.rows, a);
      // As the composite step combines them (composite.ts): the cut only removes, the source's own transparency stays.
      if (!cut.includesSourceAlpha) for (let k = 0; k < pixels; k++) a[k] = clamp255((a[k]! * band.rows[k * 4 + 3]!) / 255);
      tracker.add(a, band.y, band.height);
    });
    return tracker.box();
  }

  const rows = rowsReachingMatte(cut);
  if (!rows) return null;
  const alpha = new Uint8Array(MEASURE_ROWS * cut.width);
  for (let y = rows.first; y <= rows.last; y += MEASURE_ROWS) {
    const count = Math.min(MEASURE_ROWS, rows.last + 1 - y);
    cut.rows(y, count, null, alpha);
    tracker.add(alpha, y, count);
    await yieldToRuntime();
  }
  return tracker.box();
}

/**
 * The full-resolution rows whose bilinear taps reach a matte row with a
 * value that can make a visible pixel, or null when no row can. A hard cut
 * keeps a pixel only where the upsampled matte is at least 128.
 */
function rowsReachingMatte(cut: CutAlpha): { first: number; last: number } | null {
  const { matte, matteWidth, matteHeight, height } = cut;
  const least = cut.hardCut ? 128 : SUBJECT_MIN_ALPHA;
  let top = -1;
  let bottom = -1;
  for (let gy = 0; gy < matteHeight; gy++) {
    let x = gy * matteWidth;
    const end = x + matteWidth;
    while (x < end && matte[x]! < least) x++;
    if (x === end) continue;
    if (top < 0) top = gy;
    bottom = gy;
  }
  if (top < 0) return null;
  const scale = matteHeight / height;
  let first = 0;
  while (first < height && bilinearTap(first, scale, matteHeight)[1] < top) first++;
  let last = height - 1;
  while (last >= first && bilinearTap(last, scale, matteHeight)[0] > bottom) last--;
  return last >= first ? { first, last } : null;
}
