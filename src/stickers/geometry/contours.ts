import { CellReader, levelValue, type LevelSet } from "./level-set";

/** A closed polygon as flat pixel coordinates [x0, y0, x1, y1, …]; the last vertex joins the first. */
export type Polygon = Float64Array;

/**
 * Every closed isoline of a level set by marching squares, vertices
 * interpolated linearly along cell edges (sub-pixel), in pixel coordinates
 * (sample (i, j) at (i + 0.5, j + 0.5)). Each walks with the inside on its
 * left in y-down coordinates, so outer contours have a positive
 * `signedArea` and holes a negative one. Saddle cells are joined when their
 * centre is inside, as the distance transform reads them too.
 *
 * The samples on the grid's border must all be outside (the mask's
 * padding guarantees it), so every contour closes.
 */
export function traceContours(set: LevelSet): Polygon[] {
  const { width, height } = set;
  assertBorderOutside(set);
  const cells = new CellReader(set);
  // Crossed edges only (a contour's length, not the grid's area), keyed by edge id:
  // horizontal edge (i, j)→(i+1, j) is 2(jW + i), vertical (i, j)→(i, j+1) is 2(jW + i) + 1.
  const next = new Map<number, number>();
  const points = new Map<number, number>();
  const xy = new Float64Array(2);
  const coords: number[] = [];
  // Inside flags of two sample rows, so cells wholly inside or outside (nearly all) are skipped unread.
  let upper = new Uint8Array(width);
  let lower = new Uint8Array(width);
  for (let x = 0; x < width; x++) lower[x] = levelValue(set, x) <= 0 ? 1 : 0;
  for (let cy = 0; cy < height - 1; cy++) {
    [upper, lower] = [lower, upper];
    const row = (cy + 1) * width;
    for (let x = 0; x < width; x++) lower[x] = levelValue(set, row + x) <= 0 ? 1 : 0;
    for (let cx = 0; cx < width - 1; cx++) {
      const sum = upper[cx]! + upper[cx + 1]! + lower[cx]! + lower[cx + 1]!;
      if (sum === 0 || sum === 4) continue;
      const count = cells.load(cx, cy);
      for (let s = 0; s < count; s++) {
        const from = cells.segments[2 * s]!;
        const to = cells.segments[2 * s + 1]!;
        const fromId = edgeId(width, cx, cy, from);
        next.set(fromId, edgeId(width, cx, cy, to));
        if (!points.has(fromId)) {
          cells.crossing(from, xy);
          points.set(fromId, coords.length);
          coords.push(xy[0]! + 0.5, xy[1]! + 0.5);
        }
      }
    }
  }
  const polygons: Polygon[] = [];
  const visited = new Set<number>();
  for (const start of next.keys()) {
    if (visited.has(start)) continue;
    const ring: number[] = [];
    let id = start;
    do {
      visited.add(id);
      const at = points.get(id)!;
      ring.push(coords[at]!, coords[at + 1]!);
      const following = next.get(id);
      if (following === undefined) throw new Error("contour tracing: an isoline does not close");
      id = following;
    } while (id !== start);
    polygons.push(dropRepeats(ring));
  }
  return polygons;
}

function edgeId(width: number, cx: number, cy: number, edge: number): number {
  switch (edge) {
    case 0:
      return 2 * (cy * width + cx);
    case 1:
      return 2 * (cy * width + cx + 1) + 1;
    case 2:
      return 2 * ((cy + 1) * width + cx);
    default:
      return 2 * (cy * width + cx) + 1;
  }
}

/** Consecutive equal vertices (an isoline through a sample exactly) would give zero-length edges. */
function dropRepeats(ring: number[]): Polygon {
  const out: number[] = [];
  const n = ring.length / 2;
  for (let i = 0; i < n; i++) {
    const x = ring[2 * i]!;
    const y = ring[2 * i + 1]!;
    const px = out.length ? out[out.length - 2]! : ring[2 * n - 2]!;
    const py = out.length ? out[out.length - 1]! : ring[2 * n - 1]!;
    if (x === px && y === py) continue;
    out.push(x, y);
  }
  return Float64Array.from(out);
}

function assertBorderOutside(set: LevelSet): void {
  const { width, height } = set;
  for (let x = 0; x < width; x++) {
    if (levelValue(set, x) <= 0 || levelValue(set, (height - 1) * width + x) <= 0) throw new Error("contour tracing: the region touches the grid's edge");
  }
  for (let y = 0; y < height; y++) {
    if (levelValue(set, y * width) <= 0 || levelValue(set, y * width + width - 1) <= 0) throw new Error("contour tracing: the region touches the grid's edge");
  }
}

/** Shoelace area in px²: positive for outer contours (see traceContours). */
export function signedArea(poly: Polygon): number {
  const n = poly.length / 2;
  let sum = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) sum += poly[2 * j]! * poly[2 * i + 1]! - poly[2 * i]! * poly[2 * j + 1]!;
  return sum / 2;
}
