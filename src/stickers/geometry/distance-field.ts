import { CellReader, type LevelSet } from "./level-set";

/**
 * Signed distance in pixels from every pixel centre to a region's edge:
 * positive outside, negative inside. Outside it is exact Euclidean to
 * about 0.2 px at any distance (see ExactBand); inside only the samples
 * next to the edge are measured (values in [−1, 0]), which is all a
 * contour or a coverage needs.
 *
 * Two steps:
 * 1. An exact Euclidean feature transform to the inside samples
 *    (Felzenszwalb & Huttenlocher, "Distance Transforms of Sampled
 *    Functions", 2012): a column scan gives each pixel the nearest inside
 *    row of its column, then the lower envelope of parabolas along each row
 *    gives the nearest inside sample overall.
 * 2. That sample only approximates the edge (it is up to a pixel short of
 *    it, depending on the edge's angle). The distance is therefore taken to
 *    the isoline itself, read by marching squares in the cells around the
 *    nearest inside sample and, near the edge, around the pixel itself.
 *    This is what keeps an offset of the anti-aliased artwork at a quarter
 *    millimetre even when a pixel is a third of one.
 *
 * Memory: `out` (4 bytes a pixel) and `seedRows` (2 bytes a pixel), both
 * the caller's so buffers can be reused between passes; the rest is a few
 * rows. The grid must be below 65535 samples high.
 */
export function signedDistance(set: LevelSet, out: Float32Array, seedRows: Uint16Array, exact: ExactBand = ALL_DISTANCES): void {
  const { width, height } = set;
  if (height >= NO_SEED) throw new Error(`distance field: ${height} rows is more than ${NO_SEED - 1}`);
  scanColumns(set, seedRows);
  const cells = new CellReader(set);
  const f = new Float64Array(width);
  const nearest = new Int32Array(width);
  const envelope = { v: new Int32Array(width), z: new Float64Array(width + 1) };
  // The nearest inside sample's centre is between 0 and √2 px beyond the edge.
  const fromCentre2 = Math.max(0, exact.fromPx - 1) ** 2;
  const toCentre2 = (exact.toPx + 1.5) ** 2;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const seedRow = seedRows[row + x]!;
      f[x] = seedRow === NO_SEED ? Infinity : (y - seedRow) * (y - seedRow);
    }
    lowerEnvelope(f, nearest, envelope);
    for (let x = 0; x < width; x++) {
      // An inside sample is its own nearest: its column's seed row is its row.
      if (seedRows[row + x] === y) {
        out[row + x] = touchesOutside(seedRows, width, height, x, y) ? -Math.sqrt(Math.min(1, nearEdge2(cells, x, y))) : -1;
        continue;
      }
      const sx = nearest[x]!;
      if (sx < 0) {
        out[row + x] = Infinity;
        continue;
      }
      const sy = seedRows[row + sx]!;
      const dx = x - sx;
      const dy = y - sy;
      const centre2 = dx * dx + dy * dy;
      if (centre2 < fromCentre2 || centre2 > toCentre2) {
        out[row + x] = Math.sqrt(centre2) - 0.5;
        continue;
      }
      let d2 = around(cells, sx, sy, x, y);
      if (centre2 <= 4) d2 = Math.min(d2, nearEdge2(cells, x, y));
      // No isoline around the nearest inside sample cannot happen on a finite field;
      // the centre distance less half a pixel is the fallback all the same.
      out[row + x] = d2 < Infinity ? Math.sqrt(d2) : Math.max(0, Math.sqrt(centre2) - 0.5);
    }
  }
}

/**
 * Outside distances (px) that must be exact; the others are the distance
 * to the nearest inside sample's centre less half a pixel, within 1 px of
 * the truth and on the right side of the band. Measuring every pixel
 * exactly is most of the time, and only the distances near a level that is
 * contoured or thresholded next are ever read closely; each caller names
 * its levels with a margin of 2 px (marching squares interpolates between
 * samples a pixel either side of a crossing).
 */
export interface ExactBand {
  fromPx: number;
  toPx: number;
}

export const ALL_DISTANCES: ExactBand = { fromPx: 0, toPx: Infinity };

/** The band a caller needs around the levels it reads: each ± EXACT_MARGIN_PX. */
export function exactAround(...levelsPx: number[]): ExactBand {
  return { fromPx: Math.max(0, Math.min(...levelsPx) - EXACT_MARGIN_PX), toPx: Math.max(...levelsPx) + EXACT_MARGIN_PX };
}

const EXACT_MARGIN_PX = 2;

/**
 * Whether an inside sample has an outside one beside it (4-neighbours),
 * read from the column scan (inside samples hold their own row). One that
 * touches the outside only diagonally is at least 0.7 px from the isoline,
 * and no contour or coverage reads its exact value: −1 serves.
 */
function touchesOutside(seedRows: Uint16Array, width: number, height: number, x: number, y: number): boolean {
  const i = y * width + x;
  return (
    (x > 0 && seedRows[i - 1] !== y) ||
    (x < width - 1 && seedRows[i + 1] !== y) ||
    (y > 0 && seedRows[i - width] !== y - 1) ||
    (y < height - 1 && seedRows[i + width] !== y + 1)
  );
}

const NO_SEED = 0xffff;

/** For every sample, the row of the nearest inside sample in its column (NO_SEED if none); two row-major sweeps. */
function scanColumns(set: LevelSet, seedRows: Uint16Array): void {
  const { width, height } = set;
  const last = new Int32Array(width).fill(-1);
  const inside = new Uint8Array(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    insideFlags(set, row, inside);
    for (let x = 0; x < width; x++) {
      if (inside[x]) last[x] = y;
      seedRows[row + x] = last[x]! < 0 ? NO_SEED : last[x]!;
    }
  }
  last.fill(-1);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      // The first sweep marked inside samples with their own row.
      if (seedRows[row + x] === y) last[x] = y;
      const below = last[x]!;
      if (below < 0) continue;
      const above = seedRows[row + x]!;
      if (above === NO_SEED || below - y < y - above) seedRows[row + x] = below;
    }
  }
}

/** One row of inside flags, in a loop per array type so each stays monomorphic (the hottest loop here). */
function insideFlags(set: LevelSet, row: number, out: Uint8Array): void {
  const { values, level } = set;
  const n = out.length;
  if (values instanceof Uint8Array) {
    if (set.insideAbove) for (let x = 0; x < n; x++) out[x] = values[row + x]! >= level ? 1 : 0;
    else for (let x = 0; x < n; x++) out[x] = values[row + x]! <= level ? 1 : 0;
  } else if (set.insideAbove) for (let x = 0; x < n; x++) out[x] = values[row + x]! >= level ? 1 : 0;
  else for (let x = 0; x < n; x++) out[x] = values[row + x]! <= level ? 1 : 0;
}

/**
 * One row of the 1-D transform: for each x, the q minimising (x − q)² + f[q]
 * (f is the squared column distance, Infinity where a column has no inside
 * sample); −1 when every f is infinite.
 */
function lowerEnvelope(f: Float64Array, nearest: Int32Array, { v, z }: { v: Int32Array; z: Float64Array }): void {
  const n = f.length;
  let k = -1;
  for (let q = 0; q < n; q++) {
    const fq = f[q]!;
    if (fq === Infinity) continue;
    let s = -Infinity;
    while (k >= 0) {
      const p = v[k]!;
      s = (fq + q * q - (f[p]! + p * p)) / (2 * (q - p));
      if (s > z[k]!) break;
      k--;
    }
    k++;
    v[k] = q;
    z[k] = k === 0 ? -Infinity : s;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    nearest.fill(-1);
    return;
  }
  let j = 0;
  for (let x = 0; x < n; x++) {
    while (z[j + 1]! < x) j++;
    nearest[x] = v[j]!;
  }
}

/**
 * Squared distance from sample (px, py) to the isoline, starting in the four
 * cells that share sample (sx, sy) and then walking along the isoline, cell
 * by cell, while it comes nearer. The walk matters: the nearest inside
 * sample can sit a few pixels along the edge from the foot of the
 * perpendicular (its row of the staircase pokes out further), and the
 * distance to its own cells then overshoots by up to a third of a pixel.
 */
function around(cells: CellReader, sx: number, sy: number, px: number, py: number): number {
  const { width, height } = cells.set;
  let best = Infinity;
  let bestX = -1;
  let bestY = -1;
  let exit = -1;
  for (let cy = Math.max(0, sy - 1); cy <= Math.min(sy, height - 2); cy++) {
    for (let cx = Math.max(0, sx - 1); cx <= Math.min(sx, width - 2); cx++) {
      const count = cells.load(cx, cy);
      if (count === 0) continue;
      const d2 = cells.distance2(count, px, py);
      if (d2 < best) {
        best = d2;
        bestX = cx;
        bestY = cy;
        exit = cells.exitEdge;
      }
    }
  }
  // The isoline of an anti-aliased edge wiggles by a tenth of a pixel, so the walk goes on
  // a few cells past a point that is no nearer before it gives up.
  let x = bestX;
  let y = bestY;
  for (let step = 0, idle = 0; step < MAX_WALK_CELLS && exit >= 0 && idle < WALK_PATIENCE_CELLS; step++) {
    x += exit === 1 ? 1 : exit === 3 ? -1 : 0;
    y += exit === 2 ? 1 : exit === 0 ? -1 : 0;
    if (x < 0 || y < 0 || x > width - 2 || y > height - 2) break;
    const count = cells.load(x, y);
    if (count === 0) break;
    const d2 = cells.distance2(count, px, py);
    // Walk on through the cell's far end, the way the isoline goes.
    exit = farEnd(cells, count, (exit + 2) & 3);
    if (d2 < best) {
      best = d2;
      idle = 0;
    } else idle++;
  }
  return best;
}

/** The edge a walk leaves the loaded cell by, having come in across `entry`: the other end of the segment that touches it. */
function farEnd(cells: CellReader, count: number, entry: number): number {
  for (let s = 0; s < count; s++) {
    if (cells.segments[2 * s] === entry) return cells.segments[2 * s + 1]!;
    if (cells.segments[2 * s + 1] === entry) return cells.segments[2 * s]!;
  }
  return -1;
}

const WALK_PATIENCE_CELLS = 3;

/** How far the walk along the isoline may go; the nearest inside sample is never more than a few pixels off. */
const MAX_WALK_CELLS = 16;

/** Squared distance to the isoline when it passes within a pixel of (x, y) (every such point lies in the four cells around it). */
function nearEdge2(cells: CellReader, x: number, y: number): number {
  return around(cells, x, y, x, y);
}
