import { traceContours, type Polygon } from "./contours";
import { ALL_DISTANCES, exactAround, signedDistance } from "./distance-field";
import type { LevelSet } from "./level-set";
import { outerContours } from "./pieces";
import { closeRegion } from "./close-region";
import { bridgeField } from "./bridges";
import { convexHull, forEachSpan, polygonBounds, polygonField } from "./polygons";

/**
 * One outline around pieces whose borders do not touch (`single_piece`).
 *
 * The pieces are bridged where a morphological closing would bridge them:
 * the smallest disc ρ whose closing joins them through necks at least
 * `minBridgePx` wide (the closing that merely joins them pinches to a
 * point, a strip of backing that tears). That is what a designer gets by
 * offsetting the outline out by ρ, uniting and offsetting back in, except
 * that only the parts of the closing that reach from piece to piece are
 * kept (bridges.ts): each piece keeps its own outline, valleys and all,
 * and a bridge spans its gap with concave arcs of radius ρ, so a caption
 * under a logo hangs from it by a waist rather than inside a convex hull.
 * Nothing of the pieces moves inwards. When no disc up to half the
 * pieces' diagonal joins them (a thin line far out), the convex hull,
 * which is what a closing tends to as ρ grows, is the outline.
 *
 * The closing by ρ needs the pieces dilated by ρ, which can reach far past
 * the mask's padding, so it is taken on a coarse grid (COARSE_CELLS cells
 * along the pieces' long side, extended by ρ on every side); the bridges
 * are carried back to full resolution shrunk by BRIDGE_INSET_CELLS, so the
 * coarse grid never shows along the pieces' own edges, and the
 * full-resolution closing by the blade's radius rounds the seams.
 * `pieces` are at least two outer contours.
 */
export function joinPieces(pieces: Polygon[], set: { width: number; height: number }, minRadiusPx: number, minBridgePx: number, scratch: JoinScratch): Polygon {
  const [minX, minY, maxX, maxY] = polygonBounds(pieces);
  const rhoMaxPx = Math.hypot(maxX - minX, maxY - minY) / 2;
  const cell = Math.max(1, Math.max(maxX - minX, maxY - minY) / COARSE_CELLS);
  const neck = Math.max(BRIDGE_INSET_CELLS, minBridgePx / 2 / cell);
  const coarse = coarseGrid(pieces, [minX, minY, maxX, maxY], cell, rhoMaxPx, neck);
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
  /** Whether the closing with radius rho (cells) is one piece, through necks at least twice `neck` wide. */
  connects(rho: number): boolean;
  /** The bridges of the closing by rho (see bridgeField), inset by BRIDGE_INSET_CELLS. */
  bridges(rho: number): Float32Array;
  width: number;
  height: number;
  originX: number;
  originY: number;
  cell: number;
}

function coarseGrid(pieces: Polygon[], [minX, minY, maxX, maxY]: readonly [number, number, number, number], cell: number, rhoMaxPx: number, neck: number): CoarseGrid {
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
  // Which piece each sample lies in (−1 for none): bridges are told from valleys by the pieces they touch.
  const inPiece = new Int32Array(n).fill(-1);
  scaled.forEach((piece, k) => forEachSpan([piece], height, (y, x0, x1) => inPiece.fill(k, y * width + Math.max(0, x0), y * width + Math.min(width, x1))));
  return {
    width,
    height,
    originX,
    originY,
    cell,
    connects(rho: number): boolean {
      signedDistance({ values: distance, width, height, level: rho, insideAbove: true }, erosion, rows, exactAround(rho, rho + neck));
      // The pieces and the closing's part at least `neck` inside it: connected when every bridge is 2 neck wide.
      for (let i = 0; i < n; i++) joined[i] = Math.min(band[i]!, rho + neck - erosion[i]!);
      return outerContours(traceContours({ values: joined, width, height, level: 0, insideAbove: false })).length === 1;
    },
    bridges(rho: number): Float32Array {
      signedDistance({ values: distance, width, height, level: rho, insideAbove: true }, erosion, rows, exactAround(rho, rho + BRIDGE_INSET_CELLS));
      return bridgeField(erosion, inPiece, width, height, rho + BRIDGE_INSET_CELLS);
    },
  };
}

function bridgeAtFullResolution(pieces: Polygon[], set: { width: number; height: number }, coarse: CoarseGrid, rho: number, minRadiusPx: number, scratch: JoinScratch): Polygon | null {
  const bridges = coarse.bridges(rho);
  const { width, height } = set;
  const field = scratch.a;
  polygonField(pieces, width, height, 2, field);
  const { cell, originX, originY } = coarse;
  // Bridges lie within the pieces' convex hull, inside the mask's padding; the mask's edge stays clear all the same.
  for (let y = EDGE_CLEAR_PX; y < height - EDGE_CLEAR_PX; y++) {
    const v = (y + 0.5 - originY) / cell - 0.5;
    if (v < 0 || v >= coarse.height - 1) continue;
    for (let x = EDGE_CLEAR_PX; x < width - EDGE_CLEAR_PX; x++) {
      const u = (x + 0.5 - originX) / cell - 0.5;
      if (u < 0 || u >= coarse.width - 1) continue;
      // Negative inside a bridge, in full-resolution pixels.
      const bridge = bilinear(bridges, coarse.width, u, v) * cell;
      const k = y * width + x;
      if (bridge < field[k]!) field[k] = bridge;
    }
  }
  const region: LevelSet = { values: field, width, height, level: 0, insideAbove: false };
  const closed = minRadiusPx > 0 ? closeRegion(region, minRadiusPx, scratch.b, field, scratch.rows) : region;
  const outer = outerContours(traceContours(closed));
  return outer.length === 1 ? outer[0]! : null;
}

const EDGE_CLEAR_PX = 2;

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
