import type { CutPath, RectMm } from "../cut-path";
import { cutBoundsMm, cutLengthMm } from "./bezier";
import { erodeDilation } from "./close-region";
import { traceContours, type Polygon } from "./contours";
import { pathsCross } from "./crossings";
import { fitClosedContour, lineCubic, type Cubic } from "./curve-fit";
import { exactAround, signedDistance } from "./distance-field";
import { joinPieces } from "./join-pieces";
import type { LevelSet } from "./level-set";
import { dropSpecks, outerContours } from "./pieces";
import { polygonField } from "./polygons";

/** An artwork's coverage: pixel (i, j) covers [i, i+1) × [j, j+1) px; the artwork is alpha ≥ 128. */
export interface ArtworkMask {
  alpha: Uint8Array;
  width: number;
  height: number;
  mmPerPx: number;
}

export interface CutLineOptions {
  borderMm: number;
  minRadiusMm: number;
  bleedMm: number;
  singlePiece: boolean;
}

export interface CutGeometry {
  paths: CutPath[];
  /** The cut line's bounding box. */
  bounds: RectMm;
  lengthMm: number;
  /** How many paths: 1 for a single piece. */
  pieces: number;
  /** Coverage 0..255 on the mask's grid of the region inside the cut line grown by the bleed (anti-aliased). */
  fill: Uint8Array;
}

/** Pixels the mask needs around its artwork beyond border + radius + bleed: contours close inside the grid, and a pixel of anti-aliasing fits. */
export const MASK_MARGIN_PX = 3;
/** How far the fitted Béziers may stray from the traced contour: a fifth of the cut line's ±0.25 mm. */
export const FIT_TOLERANCE_MM = 0.05;
/** Below this the fit would chase the contour's sub-pixel wiggle (a coarse mask) and only grow the file. */
const MIN_FIT_TOLERANCE_PX = 0.25;
/**
 * The narrowest bridge of backing between joined pieces: twice the border
 * (as wide as the border round a hairline of artwork), and never under
 * MIN_BRIDGE_MM, below which a strip of sticker tears when peeled.
 */
function minBridgeMm(options: CutLineOptions): number {
  return Math.max(MIN_BRIDGE_MM, 2 * options.borderMm);
}

const MIN_BRIDGE_MM = 3;
/** Rows the distance transform can index (Uint16 row numbers). */
const MAX_SIDE_PX = 0xfffe;

/** Padding (px) every side of the mask must have around the artwork, which traceCutLine asserts. */
export function requiredPaddingPx(options: CutLineOptions, mmPerPx: number): number {
  return Math.ceil((options.borderMm + options.minRadiusMm + options.bleedMm) / mmPerPx) + MASK_MARGIN_PX;
}

/**
 * The die-cut line around an artwork: closed cubic Bézier paths in
 * millimetres (origin at the mask's top-left corner, y down), `borderMm`
 * outside the artwork, concave turns rounded to `minRadiusMm`, holes never
 * cut, specks dropped, and either one outline round everything
 * (`singlePiece`) or one per separate piece. Also the coverage the border
 * colour and bleed are painted from.
 *
 * Memory beyond the mask: two Float32 fields, 2 bytes of row indices and
 * the 1-byte fill, i.e. 11 bytes a pixel, plus the contours.
 */
export function traceCutLine(mask: ArtworkMask, options: CutLineOptions): CutGeometry {
  assertUsable(mask, options);
  const { alpha, width, height, mmPerPx } = mask;
  const borderPx = options.borderMm / mmPerPx;
  const radiusPx = options.minRadiusMm / mmPerPx;
  const bleedPx = options.bleedMm / mmPerPx;
  const n = width * height;
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const rows = new Uint16Array(n);

  // Distance from the artwork's 50 % isoline; the offset is everything within the border.
  const artwork: LevelSet = { values: alpha, width, height, level: 127.5, insideAbove: true };
  // Only the level read next needs exact distances: the border itself, or the border
  // grown by the radius when the closing's erosion measures from there.
  signedDistance(artwork, a, rows, exactAround(borderPx + radiusPx));
  // Rounding concave turns is a closing by the blade's radius: the offset grown by r, then
  // shrunk by r. The distance already holds the growth (the border plus r).
  const cut = radiusPx > 0 ? erodeDilation(a, width, height, borderPx + radiusPx, radiusPx, b, rows) : { values: a, width, height, level: borderPx, insideAbove: false };

  let pieces = dropSpecks(outerContours(traceContours(cut)), alpha, width, height, mmPerPx, options.minRadiusMm);
  if (options.singlePiece && pieces.length > 1) pieces = [joinPieces(pieces, mask, radiusPx, minBridgeMm(options) / mmPerPx, { a, b, rows })];

  const paths = fitPaths(pieces, mmPerPx);
  const fill = fillCoverage(pieces, width, height, bleedPx, { a, b, rows });
  return { paths, bounds: cutBoundsMm(paths), lengthMm: cutLengthMm(paths), pieces: paths.length, fill };
}

function assertUsable(mask: ArtworkMask, options: CutLineOptions): void {
  const { alpha, width, height, mmPerPx } = mask;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2 || alpha.length !== width * height) {
    throw new Error(`sticker cut line: a ${width}×${height} mask needs ${width * height} alpha values, it has ${alpha.length}`);
  }
  if (width > MAX_SIDE_PX || height > MAX_SIDE_PX) throw new Error(`sticker cut line: a mask side over ${MAX_SIDE_PX} px`);
  if (!(mmPerPx > 0) || !Number.isFinite(mmPerPx)) throw new Error(`sticker cut line: mmPerPx must be positive, is ${mmPerPx}`);
  for (const key of ["borderMm", "minRadiusMm", "bleedMm"] as const) {
    const v = options[key];
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`sticker cut line: ${key} must be zero or more, is ${v}`);
  }
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (alpha[row + x]! < 128) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      maxY = y;
    }
  }
  if (maxX < 0) throw new Error("sticker cut line: the mask has no artwork (no alpha ≥ 128)");
  const need = requiredPaddingPx(options, mmPerPx);
  const have = Math.min(minX, minY, width - 1 - maxX, height - 1 - maxY);
  if (have < need) {
    throw new Error(
      `sticker cut line: the artwork comes within ${have} px of the mask's edge; border + min radius + bleed + ${MASK_MARGIN_PX} px need ${need} px (${(need * mmPerPx).toFixed(2)} mm) on every side`,
    );
  }
}

/**
 * Béziers in millimetres for each piece. If the fitted paths cross (two parts
 * of the outline within the tolerance of each other), the fit is redone
 * four times tighter, and then the traced contour is used as it is: it never
 * crosses itself, being an isoline, only the file grows.
 */
function fitPaths(pieces: Polygon[], mmPerPx: number): CutPath[] {
  const tolerancePx = Math.max(FIT_TOLERANCE_MM / mmPerPx, MIN_FIT_TOLERANCE_PX);
  for (const tolerance of [tolerancePx, tolerancePx / 4]) {
    const paths = pieces.map((p) => toCutPath(fitClosedContour(p, tolerance), mmPerPx));
    if (!pathsCross(paths)) return paths;
  }
  return pieces.map((p) => toCutPath(polygonCubics(p), mmPerPx));
}

function polygonCubics(poly: Polygon): Cubic[] {
  const out: Cubic[] = [];
  const n = poly.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    out.push(lineCubic([poly[2 * i]!, poly[2 * i + 1]!], [poly[2 * j]!, poly[2 * j + 1]!]));
  }
  return out;
}

function toCutPath(cubics: Cubic[], mmPerPx: number): CutPath {
  const s = mmPerPx;
  const first = cubics[0]!;
  const start = [first[0] * s, first[1] * s] as const;
  const segments = cubics.map((c) => ({ c1: [c[2] * s, c[3] * s] as const, c2: [c[4] * s, c[5] * s] as const, to: [c[6] * s, c[7] * s] as const }));
  // The loop closes on exactly the start point, not on a copy rounded differently.
  segments[segments.length - 1]!.to = start;
  return { start, segments };
}

/** Anti-aliased coverage of the pieces grown by the bleed: signed distance from the pieces' outline, then a one-pixel ramp centred on the bleed's edge. */
function fillCoverage(pieces: Polygon[], width: number, height: number, bleedPx: number, scratch: { a: Float32Array; b: Float32Array; rows: Uint16Array }): Uint8Array {
  polygonField(pieces, width, height, 2, scratch.b);
  signedDistance({ values: scratch.b, width, height, level: 0, insideAbove: false }, scratch.a, scratch.rows, exactAround(bleedPx));
  const fill = new Uint8Array(width * height);
  const d = scratch.a;
  for (let i = 0; i < fill.length; i++) {
    const coverage = 0.5 + bleedPx - d[i]!;
    fill[i] = coverage >= 1 ? 255 : coverage <= 0 ? 0 : Math.round(coverage * 255);
  }
  return fill;
}
