import type { Polygon } from "./contours";
import { segmentDistance2 } from "./level-set";

/**
 * Raster operations on closed polygons in pixel coordinates: which pixel
 * centres they enclose, and a signed distance field close to their edges.
 * Polygons passed together must not cross one another (contours of one
 * field never do), so even–odd filling gives their union minus holes.
 */

/** Calls `span(y, x0, x1)` for each run of pixels x0 ≤ x < x1 in row y whose centres lie inside (even–odd). */
export function forEachSpan(polygons: Polygon[], height: number, span: (y: number, x0: number, x1: number) => void): void {
  const edges = edgeTable(polygons, height);
  const xs: number[] = [];
  for (let y = 0; y < height; y++) {
    const cy = y + 0.5;
    xs.length = 0;
    for (const e of edges[y] ?? []) {
      if (cy < e.y1) xs.push(e.x0 + (cy - e.y0) * e.slope);
    }
    xs.sort((a, b) => a - b);
    for (let i = 0; i + 1 < xs.length; i += 2) {
      // Pixel x is inside when its centre x + 0.5 lies in [xs[i], xs[i+1]).
      const x0 = Math.ceil(xs[i]! - 0.5);
      const x1 = Math.ceil(xs[i + 1]! - 0.5);
      if (x1 > x0) span(y, x0, x1);
    }
  }
}

interface Edge {
  x0: number;
  y0: number;
  y1: number;
  slope: number;
}

/** Edges bucketed by every row whose centre line they cross (half-open in y, so a vertex is counted once). */
function edgeTable(polygons: Polygon[], height: number): Edge[][] {
  const rows: Edge[][] = [];
  for (const poly of polygons) {
    const n = poly.length / 2;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      let ax = poly[2 * j]!;
      let ay = poly[2 * j + 1]!;
      let bx = poly[2 * i]!;
      let by = poly[2 * i + 1]!;
      if (ay === by) continue;
      if (ay > by) [ax, ay, bx, by] = [bx, by, ax, ay];
      const edge = { x0: ax, y0: ay, y1: by, slope: (bx - ax) / (by - ay) };
      const first = Math.max(0, Math.ceil(ay - 0.5));
      const last = Math.min(height - 1, Math.ceil(by - 0.5) - 1);
      for (let y = first; y <= last; y++) (rows[y] ??= []).push(edge);
    }
  }
  return rows;
}

/**
 * A signed distance field of polygons' edges in px, negative inside,
 * measured exactly within `bandPx` of an edge and clamped to ±bandPx
 * beyond: what a contour or a distance transform reads of a region that
 * is only known as polygons (after pieces were dropped, joined or filled).
 */
export function polygonField(polygons: Polygon[], width: number, height: number, bandPx: number, out: Float32Array): void {
  out.fill(bandPx);
  forEachSpan(polygons, height, (y, x0, x1) => out.fill(-bandPx, y * width + Math.max(0, x0), y * width + Math.min(width, x1)));
  for (const poly of polygons) {
    const n = poly.length / 2;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const ax = poly[2 * j]!;
      const ay = poly[2 * j + 1]!;
      const bx = poly[2 * i]!;
      const by = poly[2 * i + 1]!;
      const xFrom = Math.max(0, Math.floor(Math.min(ax, bx) - bandPx - 0.5));
      const xTo = Math.min(width - 1, Math.ceil(Math.max(ax, bx) + bandPx - 0.5));
      const yFrom = Math.max(0, Math.floor(Math.min(ay, by) - bandPx - 0.5));
      const yTo = Math.min(height - 1, Math.ceil(Math.max(ay, by) + bandPx - 0.5));
      for (let y = yFrom; y <= yTo; y++) {
        for (let x = xFrom; x <= xTo; x++) {
          const k = y * width + x;
          const d = Math.sqrt(segmentDistance2(x + 0.5, y + 0.5, ax, ay, bx, by));
          const v = out[k]!;
          if (d < Math.abs(v)) out[k] = v < 0 ? -d : d;
        }
      }
    }
  }
}

/** Whether (x, y) lies inside the polygon (even–odd, ray towards +x). */
export function containsPoint(poly: Polygon, x: number, y: number): boolean {
  const n = poly.length / 2;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const ay = poly[2 * j + 1]!;
    const by = poly[2 * i + 1]!;
    if (ay > y !== by > y) {
      const ax = poly[2 * j]!;
      const bx = poly[2 * i]!;
      if (x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
    }
  }
  return inside;
}

/** Convex hull of every vertex (Andrew's monotone chain), in the orientation of outer contours (positive area). */
export function convexHull(polygons: Polygon[]): Polygon {
  const pts: [number, number][] = [];
  for (const poly of polygons) for (let i = 0; i < poly.length; i += 2) pts.push([poly[i]!, poly[i + 1]!]);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  const hull = lower.slice(0, -1).concat(upper.slice(0, -1));
  return Float64Array.from(hull.flat());
}

/** Axis-aligned bounds [minX, minY, maxX, maxY] of polygons. */
export function polygonBounds(polygons: Polygon[]): [number, number, number, number] {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const poly of polygons) {
    for (let i = 0; i < poly.length; i += 2) {
      minX = Math.min(minX, poly[i]!);
      maxX = Math.max(maxX, poly[i]!);
      minY = Math.min(minY, poly[i + 1]!);
      maxY = Math.max(maxY, poly[i + 1]!);
    }
  }
  return [minX, minY, maxX, maxY];
}
