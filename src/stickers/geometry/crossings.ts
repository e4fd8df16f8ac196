import type { CutPath, Point } from "../cut-path";
import { flattenPath } from "./bezier";

/**
 * Whether any path crosses itself or another, read on the paths flattened
 * to FLATTEN_POINTS points a segment. A fitted curve can cut a corner that
 * its contour did not, where two parts of the outline pass within the fit
 * tolerance of each other; a cutter would then cut a sliver out. Segments
 * are bucketed on a grid so the check stays linear in the path's length.
 */
export function pathsCross(paths: CutPath[]): boolean {
  const lines = paths.map((p) => flattenPath(p, FLATTEN_POINTS));
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  let count = 0;
  let length = 0;
  for (const line of lines) {
    for (let i = 0; i < line.length; i++) {
      const [x, y] = line[i]!;
      const [nx, ny] = line[(i + 1) % line.length]!;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      length += Math.hypot(nx - x, ny - y);
      count++;
    }
  }
  if (count === 0) return false;
  const size = Math.max((2 * length) / count, Math.max(maxX - minX, maxY - minY) / 1024, 1e-9);
  const columns = Math.floor((maxX - minX) / size) + 1;
  const buckets = new Map<number, number[]>();
  const segments: { line: number; index: number; a: Point; b: Point }[] = [];
  lines.forEach((line, l) => {
    for (let i = 0; i < line.length; i++) {
      const a = line[i]!;
      const b = line[(i + 1) % line.length]!;
      const id = segments.push({ line: l, index: i, a, b }) - 1;
      const x0 = Math.floor((Math.min(a[0], b[0]) - minX) / size);
      const x1 = Math.floor((Math.max(a[0], b[0]) - minX) / size);
      const y0 = Math.floor((Math.min(a[1], b[1]) - minY) / size);
      const y1 = Math.floor((Math.max(a[1], b[1]) - minY) / size);
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) pushTo(buckets, y * columns + x, id);
    }
  });
  for (const ids of buckets.values()) {
    for (let i = 0; i < ids.length; i++) {
      for (let j = i + 1; j < ids.length; j++) {
        const s = segments[ids[i]!]!;
        const t = segments[ids[j]!]!;
        if (s.line === t.line && neighbours(s.index, t.index, lines[s.line]!.length)) continue;
        if (segmentsIntersect(s.a, s.b, t.a, t.b)) return true;
      }
    }
  }
  return false;
}

const FLATTEN_POINTS = 12;

function pushTo(map: Map<number, number[]>, key: number, value: number): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function neighbours(i: number, j: number, n: number): boolean {
  const d = Math.abs(i - j);
  return d <= 1 || d === n - 1;
}

function orient(a: Point, b: Point, c: Point): number {
  return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

/** Closed segments ab and cd share a point (touching counts: a cut that touches itself is not simple either). */
export function segmentsIntersect(a: Point, b: Point, c: Point, d: Point): boolean {
  const d1 = orient(c, d, a);
  const d2 = orient(c, d, b);
  const d3 = orient(a, b, c);
  const d4 = orient(a, b, d);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return true;
  return (d1 === 0 && onSegment(c, d, a)) || (d2 === 0 && onSegment(c, d, b)) || (d3 === 0 && onSegment(a, b, c)) || (d4 === 0 && onSegment(a, b, d));
}

function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}
