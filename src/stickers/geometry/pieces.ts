import { signedArea, type Polygon } from "./contours";
import { containsPoint, forEachSpan, polygonBounds } from "./polygons";

/**
 * The contours a cutter follows: outer contours only. A die-cut sticker is
 * one piece of material, so a hole inside a piece (the counter of an "O",
 * the gap between a letter and a frame) is never cut: it stays border
 * colour. For the same reason a piece lying inside another piece's hole is
 * part of that piece's material and is not cut either.
 */
export function outerContours(contours: Polygon[]): Polygon[] {
  const outer = contours.filter((c) => signedArea(c) > 0);
  const boxes = outer.map((c) => polygonBounds([c]));
  return outer.filter((c, i) => {
    const [x, y] = [c[0]!, c[1]!];
    return !outer.some((other, j) => {
      if (j === i) return false;
      const box = boxes[j]!;
      return x > box[0] && x < box[2] && y > box[1] && y < box[3] && containsPoint(other, x, y);
    });
  });
}

/**
 * Pieces whose artwork a blade cannot follow are dropped: stray pixels of a
 * cut-out, or dust in a logo, would otherwise each become a sticker of
 * their own (or, on a single piece, drag the outline out to them). A piece
 * is a speck when the artwork inside it (alpha ≥ 50 %) covers less than a
 * disc whose diameter is the blade's tightest turn, `min_radius_mm`,
 * clamped to [SPECK_MIN_DIAMETER_MM, SPECK_MAX_DIAMETER_MM] so that a blade
 * that turns on the spot still drops noise and a wide radius does not drop
 * real artwork. If every piece is a speck, the largest one stays.
 */
export function dropSpecks(pieces: Polygon[], alpha: Uint8Array, width: number, height: number, mmPerPx: number, minRadiusMm: number): Polygon[] {
  const diameterMm = Math.min(SPECK_MAX_DIAMETER_MM, Math.max(SPECK_MIN_DIAMETER_MM, minRadiusMm));
  const speckPx = (Math.PI * (diameterMm / 2) ** 2) / (mmPerPx * mmPerPx);
  const areas = pieces.map((piece) => artworkPixels(piece, alpha, width, height));
  const kept = pieces.filter((_, i) => areas[i]! >= speckPx);
  if (kept.length > 0 || pieces.length === 0) return kept;
  const largest = areas.indexOf(Math.max(...areas));
  return [pieces[largest]!];
}

export const SPECK_MIN_DIAMETER_MM = 0.4;
export const SPECK_MAX_DIAMETER_MM = 2;

/** Pixels of artwork (alpha ≥ 128) whose centres lie inside the polygon. */
function artworkPixels(piece: Polygon, alpha: Uint8Array, width: number, height: number): number {
  let count = 0;
  forEachSpan([piece], height, (y, x0, x1) => {
    const row = y * width;
    for (let x = Math.max(0, x0); x < Math.min(width, x1); x++) if (alpha[row + x]! >= 128) count++;
  });
  return count;
}
