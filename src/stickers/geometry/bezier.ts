import type { CutPath, Point, RectMm } from "../cut-path";

/**
 * Measures of cut paths (millimetres in, millimetres out): length, bounds,
 * and a polyline for checks.
 */

/** Total length of the paths' Béziers: each segment by 16-point Gauss–Legendre quadrature of |B′(t)| over halves, far below 0.001 mm for the segments the fit makes. */
export function cutLengthMm(paths: CutPath[]): number {
  let total = 0;
  forEachSegment(paths, (p0, c1, c2, p3) => {
    total += segmentLength(p0, c1, c2, p3, 0, 0.5) + segmentLength(p0, c1, c2, p3, 0.5, 1);
  });
  return total;
}

/** The smallest rectangle holding every path: segments' end points and the extrema where B′(t) = 0. */
export function cutBoundsMm(paths: CutPath[]): RectMm {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  const take = (x: number, y: number) => {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  };
  forEachSegment(paths, (p0, c1, c2, p3) => {
    take(p0[0], p0[1]);
    take(p3[0], p3[1]);
    for (const axis of [0, 1] as const) {
      for (const t of derivativeRoots(p0[axis], c1[axis], c2[axis], p3[axis])) {
        const [x, y] = pointAt(p0, c1, c2, p3, t);
        take(x, y);
      }
    }
  });
  if (minX > maxX) return { x: 0, y: 0, width: 0, height: 0 };
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/** Each path as a closed polyline of `perSegment` points a segment (its start; the next segment's start closes it). */
export function flattenPath(path: CutPath, perSegment: number): Point[] {
  const out: Point[] = [];
  let from = path.start;
  for (const s of path.segments) {
    for (let i = 0; i < perSegment; i++) out.push(pointAt(from, s.c1, s.c2, s.to, i / perSegment));
    from = s.to;
  }
  return out;
}

export function pointAt(p0: Point, c1: Point, c2: Point, p3: Point, t: number): Point {
  const s = 1 - t;
  const b0 = s * s * s;
  const b1 = 3 * t * s * s;
  const b2 = 3 * t * t * s;
  const b3 = t * t * t;
  return [b0 * p0[0] + b1 * c1[0] + b2 * c2[0] + b3 * p3[0], b0 * p0[1] + b1 * c1[1] + b2 * c2[1] + b3 * p3[1]];
}

function forEachSegment(paths: CutPath[], visit: (p0: Point, c1: Point, c2: Point, p3: Point) => void): void {
  for (const path of paths) {
    let from = path.start;
    for (const s of path.segments) {
      visit(from, s.c1, s.c2, s.to);
      from = s.to;
    }
  }
}

// Gauss–Legendre nodes and weights on [−1, 1], 16 points (symmetric halves).
const GL_X = [0.0950125098376374, 0.2816035507792589, 0.4580167776572274, 0.6178762444026438, 0.755404408355003, 0.8656312023878318, 0.9445750230732326, 0.9894009349916499];
const GL_W = [0.1894506104550685, 0.1826034150449236, 0.1691565193950025, 0.1495959888165767, 0.1246289712555339, 0.0951585116824928, 0.0622535239386479, 0.0271524594117541];

function segmentLength(p0: Point, c1: Point, c2: Point, p3: Point, a: number, b: number): number {
  const half = (b - a) / 2;
  const mid = (a + b) / 2;
  let sum = 0;
  for (let i = 0; i < GL_X.length; i++) {
    for (const sign of [-1, 1]) {
      const t = mid + sign * half * GL_X[i]!;
      const s = 1 - t;
      const dx = 3 * (s * s * (c1[0] - p0[0]) + 2 * s * t * (c2[0] - c1[0]) + t * t * (p3[0] - c2[0]));
      const dy = 3 * (s * s * (c1[1] - p0[1]) + 2 * s * t * (c2[1] - c1[1]) + t * t * (p3[1] - c2[1]));
      sum += GL_W[i]! * Math.hypot(dx, dy);
    }
  }
  return sum * half;
}

/** Parameters in (0, 1) where one coordinate of the cubic is extreme: roots of its quadratic derivative. */
function derivativeRoots(p0: number, c1: number, c2: number, p3: number): number[] {
  const a = -p0 + 3 * c1 - 3 * c2 + p3;
  const b = 2 * (p0 - 2 * c1 + c2);
  const c = c1 - p0;
  const roots: number[] = [];
  if (Math.abs(a) < 1e-12) {
    if (Math.abs(b) > 1e-12) roots.push(-c / b);
  } else {
    const disc = b * b - 4 * a * c;
    if (disc >= 0) {
      const q = Math.sqrt(disc);
      roots.push((-b + q) / (2 * a), (-b - q) / (2 * a));
    }
  }
  return roots.filter((t) => t > 0 && t < 1);
}
