import type { CutPath } from "../../src/stickers/cut-path";
import type { ArtworkMask } from "../../src/stickers/geometry";

/**
 * Shapes with known geometry for the cut line's tests, as signed distance
 * functions in millimetres (negative inside). They are written here, apart
 * from the code under test: each is the analytic reference the traced cut
 * line is measured against, and also what the masks are drawn from.
 *
 * A union is the minimum of its parts and an intersection the maximum:
 * exact outside a union, and never more than the true distance anywhere,
 * so a pixel whose centre is further than a pixel from the edge is wholly
 * in or out and only the others are supersampled.
 */
export type Shape = (x: number, y: number) => number;

export const SUPERSAMPLES = 8;
export const DPI_300_MM_PER_PX = 25.4 / 300;

export const disc =
  (cx: number, cy: number, r: number): Shape =>
  (x, y) =>
    Math.hypot(x - cx, y - cy) - r;

/** A w × h box centred on (cx, cy), turned by `angle` radians. */
export const box =
  (cx: number, cy: number, w: number, h: number, angle = 0): Shape =>
  (x, y) => {
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const u = Math.abs((x - cx) * c + (y - cy) * s) - w / 2;
    const v = Math.abs(-(x - cx) * s + (y - cy) * c) - h / 2;
    return Math.hypot(Math.max(u, 0), Math.max(v, 0)) + Math.min(Math.max(u, v), 0);
  };

/** A ring between radii inner and outer. */
export const ring =
  (cx: number, cy: number, inner: number, outer: number): Shape =>
  (x, y) => {
    const d = Math.hypot(x - cx, y - cy);
    return Math.max(d - outer, inner - d);
  };

/** A "C": the ring between radii inner and outer without the wedge of half-angle `gap` around direction `facing` (radians). */
export function ringWithGap(cx: number, cy: number, inner: number, outer: number, facing: number, gap: number): Shape {
  const caps = [facing - gap, facing + gap].map((a) => [cx + inner * Math.cos(a), cy + inner * Math.sin(a), cx + outer * Math.cos(a), cy + outer * Math.sin(a)] as const);
  return (x, y) => {
    const r = Math.hypot(x - cx, y - cy);
    const off = Math.abs(Math.atan2(Math.sin(Math.atan2(y - cy, x - cx) - facing), Math.cos(Math.atan2(y - cy, x - cx) - facing)));
    const toCaps = Math.min(...caps.map(([ax, ay, bx, by]) => pointSegmentDistance(x, y, ax, ay, bx, by)));
    // In the gap's wedge the nearest point is on an end; elsewhere on the arc straight out or in
    // (or, from inside, possibly an end).
    if (off < gap) return toCaps;
    const arcs = Math.max(r - outer, inner - r);
    return arcs > 0 ? arcs : -Math.min(-arcs, toCaps);
  };
}

export const union =
  (...shapes: Shape[]): Shape =>
  (x, y) => {
    let d = Infinity;
    for (const s of shapes) d = Math.min(d, s(x, y));
    return d;
  };

/** A closed polygon (vertices in mm): exact distance to its edges, negative inside (even–odd). */
export function polygon(vertices: [number, number][]): Shape {
  return (x, y) => {
    let best = Infinity;
    let inside = false;
    for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
      const [ax, ay] = vertices[j]!;
      const [bx, by] = vertices[i]!;
      best = Math.min(best, pointSegmentDistance(x, y, ax, ay, bx, by));
      if (ay > y !== by > y && x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
    }
    return inside ? -best : best;
  };
}

/** A star of `points` spikes between radii inner and outer. */
export function star(cx: number, cy: number, inner: number, outer: number, points: number): Shape {
  const vertices: [number, number][] = [];
  for (let i = 0; i < 2 * points; i++) {
    const r = i % 2 === 0 ? outer : inner;
    const a = (Math.PI * i) / points;
    vertices.push([cx + r * Math.cos(a), cy + r * Math.sin(a)]);
  }
  return polygon(vertices);
}

export function pointSegmentDistance(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - ax) * dx + (py - ay) * dy) / len2)) : 0;
  return Math.hypot(ax + t * dx - px, ay + t * dy - py);
}

/**
 * The shape's coverage on a widthMm × heightMm canvas, each pixel's share
 * inside by supersamples² samples (1/128 of a pixel's area at 8). Blocks of BLOCK_PX² pixels whose centre
 * is further from the edge than their half-diagonal are wholly in or out
 * and filled at once (the shapes never overstate a distance).
 */
export function drawMask(shape: Shape, widthMm: number, heightMm: number, mmPerPx = DPI_300_MM_PER_PX, supersamples = SUPERSAMPLES): ArtworkMask {
  const width = Math.round(widthMm / mmPerPx);
  const height = Math.round(heightMm / mmPerPx);
  const alpha = new Uint8Array(width * height);
  const halfDiagonalMm = (BLOCK_PX * Math.SQRT2 * mmPerPx) / 2;
  for (let by = 0; by < height; by += BLOCK_PX) {
    for (let bx = 0; bx < width; bx += BLOCK_PX) {
      const x1 = Math.min(width, bx + BLOCK_PX);
      const y1 = Math.min(height, by + BLOCK_PX);
      const d = shape(((bx + x1) / 2) * mmPerPx, ((by + y1) / 2) * mmPerPx);
      if (Math.abs(d) > halfDiagonalMm) {
        if (d < 0) for (let y = by; y < y1; y++) alpha.fill(255, y * width + bx, y * width + x1);
        continue;
      }
      for (let y = by; y < y1; y++) for (let x = bx; x < x1; x++) alpha[y * width + x] = pixelCoverage(shape, x, y, mmPerPx, supersamples);
    }
  }
  return { alpha, width, height, mmPerPx };
}

const BLOCK_PX = 16;

function pixelCoverage(shape: Shape, x: number, y: number, mmPerPx: number, n: number): number {
  const d = shape((x + 0.5) * mmPerPx, (y + 0.5) * mmPerPx);
  if (Math.abs(d) > mmPerPx) return d < 0 ? 255 : 0;
  let count = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) if (shape((x + (i + 0.5) / n) * mmPerPx, (y + (j + 0.5) / n) * mmPerPx) < 0) count++;
  }
  return Math.round((255 * count) / (n * n));
}

/** Points along every segment of a path, `perSegment` a segment, from the Bernstein form. */
export function samplePath(path: CutPath, perSegment = 16): [number, number][] {
  const out: [number, number][] = [];
  let [x0, y0] = path.start;
  for (const { c1, c2, to } of path.segments) {
    for (let i = 0; i < perSegment; i++) {
      const t = i / perSegment;
      const s = 1 - t;
      const w = [s * s * s, 3 * s * s * t, 3 * s * t * t, t * t * t];
      out.push([w[0]! * x0 + w[1]! * c1[0] + w[2]! * c2[0] + w[3]! * to[0], w[0]! * y0 + w[1]! * c1[1] + w[2]! * c2[1] + w[3]! * to[1]]);
    }
    [x0, y0] = to;
  }
  return out;
}

/** Pairs of non-adjacent edges of closed polylines that cross or touch, checked pair by pair. */
export function crossingCount(lines: [number, number][][]): number {
  const edges: { line: number; i: number; n: number; a: [number, number]; b: [number, number] }[] = [];
  lines.forEach((line, l) => line.forEach((a, i) => edges.push({ line: l, i, n: line.length, a, b: line[(i + 1) % line.length]! })));
  let count = 0;
  for (let p = 0; p < edges.length; p++) {
    const e = edges[p]!;
    const minX = Math.min(e.a[0], e.b[0]);
    const maxX = Math.max(e.a[0], e.b[0]);
    for (let q = p + 1; q < edges.length; q++) {
      const f = edges[q]!;
      if (Math.max(f.a[0], f.b[0]) < minX || Math.min(f.a[0], f.b[0]) > maxX) continue;
      if (e.line === f.line && (q - p === 1 || q - p === e.n - 1)) continue;
      if (cross(e.a, e.b, f.a, f.b)) count++;
    }
  }
  return count;
}

function side(a: [number, number], b: [number, number], c: [number, number]): number {
  return Math.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]));
}

function cross(a: [number, number], b: [number, number], c: [number, number], d: [number, number]): boolean {
  const s1 = side(a, b, c);
  const s2 = side(a, b, d);
  const s3 = side(c, d, a);
  const s4 = side(c, d, b);
  if (s1 * s2 < 0 && s3 * s4 < 0) return true;
  // Collinear touching counts too.
  const within = (p: [number, number], q: [number, number], r: [number, number]) =>
    Math.min(p[0], q[0]) <= r[0] && r[0] <= Math.max(p[0], q[0]) && Math.min(p[1], q[1]) <= r[1] && r[1] <= Math.max(p[1], q[1]);
  return (s1 === 0 && within(a, b, c)) || (s2 === 0 && within(a, b, d)) || (s3 === 0 && within(c, d, a)) || (s4 === 0 && within(c, d, b));
}

/** Even–odd point-in-polygon on a polyline. */
export function encloses(line: [number, number][], x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = line.length - 1; i < line.length; j = i++) {
    const [ax, ay] = line[j]!;
    const [bx, by] = line[i]!;
    if (ay > y !== by > y && x < ax + ((y - ay) * (bx - ax)) / (by - ay)) inside = !inside;
  }
  return inside;
}

/** Shoelace area (absolute) of a closed polyline. */
export function area(line: [number, number][]): number {
  let sum = 0;
  for (let i = 0, j = line.length - 1; i < line.length; j = i++) sum += line[j]![0] * line[i]![1] - line[i]![0] * line[j]![1];
  return Math.abs(sum / 2);
}
