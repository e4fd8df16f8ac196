import { traceContours, type Polygon } from "./contours";
import { ALL_DISTANCES, exactAround, signedDistance } from "./distance-field";
import type { LevelSet } from "./level-set";
import { outerContours } from "./pieces";
import { closeRegion } from "./close-region";
import { convexHull, polygonBounds, polygonField } from "./polygons";

/**
 * One outline around pieces whose borders do not touch (`single_piece`).
 *
 * The outline is the pieces' morphological closing with the smallest disc
 * that makes them one: what a designer gets by offsetting the outline out
 * by ρ, uniting and offsetting back in by ρ. Where the pieces are far from
 * each other the outline is the pieces' own line; between them it spans the
 * gap with a concave arc of radius ρ, so a thin caption under a logo gets a
 * waist rather than the straight sides of a convex hull, and nothing of
 * the pieces moves inwards. A bridge held by a disc that would have to be
 * larger than half the pieces' diagonal (a speck of artwork far out) is
 * not a sensible sticker shape any more; the convex hull, which is what a
 * closing tends to as ρ grows, is used then.
 *
 * The closing by ρ needs the pieces dilated by ρ, which can reach far past
 * the mask's padding, so ρ is found on a coarse grid (at most
 * COARSE_CELLS cells along the pieces' long side, extended by ρ on every
 * side), and only the bridges it adds are carried back to full resolution
 * (shrunk by one and a half cells, so the coarse grid never shows along
 * the pieces' own edges); the full-resolution closing by the blade's radius
 * then rounds the seams. `pieces` are at least two outer contours.
 */
export function joinPieces(pieces: Polygon[], set: { width: number; height: number }, minRadiusPx: number, scratch: JoinScratch): Polygon {
  const [minX, minY, maxX, maxY] = polygonBounds(pieces);
  const rhoMaxPx = Math.hypot(maxX - minX, maxY - minY) / 2;
  const cell = Math.max(1, Math.max(maxX - minX, maxY - minY) / COARSE_CELLS);
  const coarse = coarseGrid(pieces, [minX, minY, maxX, maxY], cell, rhoMaxPx);
  if (!coarse.connects(rhoMaxPx / cell)) return convexHull(pieces);
  let lo = minRadiusPx / cell;
  let hi = rhoMaxPx / cell;
  while (hi - lo > SEARCH_STEP_CELLS) {
    const mid = (lo + hi) / 2;
    if (coarse.connects(mid)) hi = mid;
    else lo = mid;
  }
  // A bridge barely connected on the coarse grid can part at full resolution; a wider disc thickens it.
  for (let attempt = 0, rho = hi; attempt < FULL_RESOLUTION_ATTEMPTS && rho <= rhoMaxPx / cell; attempt++, rho *= 1.25) {
    const joined = bridgeAtFullResolution(pieces, set, coarse, rho, minRadiusPx, scratch);
    if (joined) return joined;
  }
  return convexHull(pieces);
}

const FULL_RESOLUTION_ATTEMPTS = 3;

export interface JoinScratch {
  a: Float32Array;
  b: Float32Array;
  rows: Uint16Array;
}

/** The coarse grid's long side in cells: a closing on it takes a few milliseconds. */
const COARSE_CELLS = 128;
/** The binary search on ρ stops at half a cell. */
const SEARCH_STEP_CELLS = 0.5;
/** Coarse bridges are shrunk by this much before they meet the full-resolution pieces. */
const BRIDGE_INSET_CELLS = 1.5;

interface CoarseGrid {
  /** Whether the closing with radius rho (cells) is one piece. */
  connects(rho: number): boolean;
  /** From the last `connects(rho)`: distance (cells) to the outside of the dilation by rho, ≥ rho inside the closing. */
  erosion: Float32Array;
  width: number;
  height: number;
  originX: number;
  originY: number;
  cell: number;
}

function coarseGrid(pieces: Polygon[], [minX, minY, maxX, maxY]: readonly [number, number, number, number], cell: number, rhoMaxPx: number): CoarseGrid {
  const margin = Math.ceil(rhoMaxPx / cell) + 4;
  const originX = minX - margin * cell;
  const originY = minY - margin * cell;
  const width = Math.ceil((maxX - minX) / cell) + 2 * margin;
  const height = Math.ceil((maxY - minY) / cell) + 2 * margin;
  const scaled = pieces.map((p) => p.map((v, i) => (i % 2 === 0 ? (v - originX) / cell : (v - originY) / cell)));
  const n = width * height;
  const band = new Float32Array(n);
  polygonField(scaled, width, height, 2, band);
  // Distance to the pieces grown by one cell, so a part thinner than a cell is not lost.
  const distance = new Float32Array(n);
  const rows = new Uint16Array(n);
  signedDistance({ values: band, width, height, level: 1, insideAbove: false }, distance, rows, ALL_DISTANCES);
  const erosion = new Float32Array(n);
  const joined = new Float32Array(n);
  return {
    erosion,
    width,
    height,
    originX,
    originY,
    cell,
    connects(rho: number): boolean {
      signedDistance({ values: distance, width, height, level: rho, insideAbove: true }, erosion, rows, exactAround(rho, rho + BRIDGE_INSET_CELLS));
      // The pieces and the inset bridges, as they will be put together at full resolution.
      for (let i = 0; i < n; i++) joined[i] = Math.min(band[i]!, rho + BRIDGE_INSET_CELLS - erosion[i]!);
      return outerContours(traceContours({ values: joined, width, height, level: 0, insideAbove: false })).length === 1;
    },
  };
}

function bridgeAtFullResolution(pieces: Polygon[], set: { width: number; height: number }, coarse: CoarseGrid, rho: number, minRadiusPx: number, scratch: JoinScratch): Polygon | null {
  coarse.connects(rho);
  const { width, height } = set;
  const field = scratch.a;
  polygonField(pieces, width, height, 2, field);
  const { erosion, cell, originX, originY } = coarse;
  const level = rho + BRIDGE_INSET_CELLS;
  for (let y = 0; y < height; y++) {
    const v = (y + 0.5 - originY) / cell - 0.5;
    if (v < 0 || v >= coarse.height - 1) continue;
    for (let x = 0; x < width; x++) {
      const u = (x + 0.5 - originX) / cell - 0.5;
      if (u < 0 || u >= coarse.width - 1) continue;
      const e = bilinear(erosion, coarse.width, u, v);
      // Negative inside the bridge, in full-resolution pixels.
      const bridge = (level - e) * cell;
      const k = y * width + x;
      if (bridge < field[k]!) field[k] = bridge;
    }
  }
  const region: LevelSet = { values: field, width, height, level: 0, insideAbove: false };
  const closed = minRadiusPx > 0 ? closeRegion(region, minRadiusPx, scratch.b, field, scratch.rows) : region;
  const outer = outerContours(traceContours(closed));
  return outer.length === 1 ? outer[0]! : null;
}

function bilinear(values: Float32Array, width: number, u: number, v: number): number {
  const x0 = Math.floor(u);
  const y0 = Math.floor(v);
  const fx = u - x0;
  const fy = v - y0;
  const i = y0 * width + x0;
  const top = values[i]! * (1 - fx) + values[i + 1]! * fx;
  const bottom = values[i + width]! * (1 - fx) + values[i + width + 1]! * fx;
  return top * (1 - fy) + bottom * fy;
}
