import type { Polygon } from "./contours";

/** A cubic Bézier in pixel coordinates: p0, c1, c2, p3 as [x, y] pairs. */
export type Cubic = [number, number, number, number, number, number, number, number];

/**
 * Cubic Béziers through a closed contour (marching-squares vertices about a
 * pixel apart), every vertex within `tolerancePx` of the curve: Schneider's
 * algorithm ("An Algorithm for Automatically Fitting Digitized Curves",
 * Graphics Gems, 1990), written here rather than taken from npm because it
 * is short and its corner and closing rules are specific to cut lines.
 *
 * The contour is cut at its corners (a turn sharper than CORNER_TURN_DEG
 * within CORNER_SPAN_PX of arc either side: the artwork's own corners when
 * border and radius are 0, the offset's concave corners when the radius is
 * 0), each run is fitted with one-sided tangents at corners and shared
 * tangents elsewhere, so the path is smooth wherever the contour is. A
 * contour without corners is cut into two halves.
 */
export function fitClosedContour(poly: Polygon, tolerancePx: number): Cubic[] {
  const pts = toPoints(poly);
  const n = pts.length;
  if (n < 3) return lineLoop(pts);
  const arc = arcLengths(pts);
  const total = arc[n]!;
  let splits = findCorners(pts, arc);
  const corner = new Set(splits);
  if (splits.length === 0) splits = [0, indexAtArc(arc, total / 2)];
  else if (splits.length === 1) splits.push((splits[0]! + (n >> 1)) % n);
  splits.sort((a, b) => a - b);
  const out: Cubic[] = [];
  for (let k = 0; k < splits.length; k++) {
    const from = splits[k]!;
    const to = k + 1 < splits.length ? splits[k + 1]! : splits[0]! + n;
    const run: [number, number][] = [];
    for (let i = from; i <= to; i++) run.push(pts[i % n]!);
    if (run.length < 2) continue;
    const startTangent = corner.has(from) ? forwardTangent(run) : centreTangent(pts, arc, from);
    const endTangent = corner.has(to % n) ? backwardTangent(run) : negate(centreTangent(pts, arc, to % n));
    fitCubic(run, 0, run.length - 1, startTangent, endTangent, tolerancePx * tolerancePx, out);
  }
  return out;
}

/** Turns sharper than this, measured over CORNER_SPAN_PX either side, are corners a blade stops at. */
const CORNER_TURN_DEG = 50;
const CORNER_SPAN_PX = 2.5;
/** Tangents are taken over this much arc, which smooths marching squares' tenth-of-a-pixel wiggle. */
const TANGENT_SPAN_PX = 2;
const MAX_REPARAMETERISE = 12;

type Pt = [number, number];

function toPoints(poly: Polygon): Pt[] {
  const pts: Pt[] = [];
  for (let i = 0; i < poly.length; i += 2) pts.push([poly[i]!, poly[i + 1]!]);
  return pts;
}

/** arc[i] = length from vertex 0 to vertex i; arc[n] is the whole loop. */
function arcLengths(pts: Pt[]): Float64Array {
  const n = pts.length;
  const arc = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) {
    const a = pts[i - 1]!;
    const b = pts[i % n]!;
    arc[i] = arc[i - 1]! + Math.hypot(b[0] - a[0], b[1] - a[1]);
  }
  return arc;
}

/** The vertex index whose arc position is nearest `s` (taken modulo the loop). */
function indexAtArc(arc: Float64Array, s: number): number {
  const n = arc.length - 1;
  const total = arc[n]!;
  const target = ((s % total) + total) % total;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (arc[mid]! <= target) lo = mid;
    else hi = mid;
  }
  return target - arc[lo]! < arc[hi]! - target ? lo : hi % n;
}

/** The point at arc position s (modulo the loop), interpolated between vertices. */
function pointAtArc(pts: Pt[], arc: Float64Array, s: number): Pt {
  const n = pts.length;
  const total = arc[n]!;
  const target = ((s % total) + total) % total;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (arc[mid]! <= target) lo = mid;
    else hi = mid;
  }
  const span = arc[lo + 1]! - arc[lo]!;
  const t = span > 0 ? (target - arc[lo]!) / span : 0;
  const a = pts[lo]!;
  const b = pts[(lo + 1) % n]!;
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}

function findCorners(pts: Pt[], arc: Float64Array): number[] {
  const n = pts.length;
  const total = arc[n]!;
  if (total < 8 * CORNER_SPAN_PX) return [];
  const turn = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = pts[i]!;
    const a = pointAtArc(pts, arc, arc[i]! - CORNER_SPAN_PX);
    const b = pointAtArc(pts, arc, arc[i]! + CORNER_SPAN_PX);
    const ux = p[0] - a[0];
    const uy = p[1] - a[1];
    const vx = b[0] - p[0];
    const vy = b[1] - p[1];
    turn[i] = Math.abs(Math.atan2(ux * vy - uy * vx, ux * vx + uy * vy));
  }
  const limit = (CORNER_TURN_DEG * Math.PI) / 180;
  const corners: number[] = [];
  for (let i = 0; i < n; i++) {
    if (turn[i]! >= limit && sharpestNearby(turn, arc, i)) corners.push(i);
  }
  return corners;
}

/** Whether vertex i turns more than every vertex within CORNER_SPAN_PX of arc (ties go to the first). */
function sharpestNearby(turn: Float64Array, arc: Float64Array, i: number): boolean {
  const n = turn.length;
  const total = arc[n]!;
  for (let j = 1; j < n; j++) {
    const k = (i + j) % n;
    if ((arc[k]! - arc[i]! + total) % total > CORNER_SPAN_PX) break;
    if (turn[k]! > turn[i]!) return false;
  }
  for (let j = 1; j < n; j++) {
    const m = (i - j + n) % n;
    if ((arc[i]! - arc[m]! + total) % total > CORNER_SPAN_PX) break;
    if (turn[m]! >= turn[i]!) return false;
  }
  return true;
}

function unit(x: number, y: number): Pt {
  const len = Math.hypot(x, y);
  return len > 0 ? [x / len, y / len] : [1, 0];
}

function negate(v: Pt): Pt {
  return [-v[0], -v[1]];
}

/** Direction along the contour at vertex i, over TANGENT_SPAN_PX either side. */
function centreTangent(pts: Pt[], arc: Float64Array, i: number): Pt {
  const a = pointAtArc(pts, arc, arc[i]! - TANGENT_SPAN_PX);
  const b = pointAtArc(pts, arc, arc[i]! + TANGENT_SPAN_PX);
  return unit(b[0] - a[0], b[1] - a[1]);
}

/** Leaving the run's first point, from the point TANGENT_SPAN_PX of arc along (or the run's end). */
function forwardTangent(run: Pt[]): Pt {
  const p = run[0]!;
  let len = 0;
  for (let i = 1; i < run.length; i++) {
    len += Math.hypot(run[i]![0] - run[i - 1]![0], run[i]![1] - run[i - 1]![1]);
    if (len >= TANGENT_SPAN_PX || i === run.length - 1) return unit(run[i]![0] - p[0], run[i]![1] - p[1]);
  }
  return [1, 0];
}

/** Pointing back into the run from its last point (Schneider's convention for the end tangent). */
function backwardTangent(run: Pt[]): Pt {
  const reversed = run.slice().reverse();
  return forwardTangent(reversed);
}

function lineLoop(pts: Pt[]): Cubic[] {
  const out: Cubic[] = [];
  for (let i = 0; i < pts.length; i++) out.push(lineCubic(pts[i]!, pts[(i + 1) % pts.length]!));
  return out;
}

/** A straight segment as a cubic: controls on the chord at thirds. */
export function lineCubic(a: Pt, b: Pt): Cubic {
  const dx = (b[0] - a[0]) / 3;
  const dy = (b[1] - a[1]) / 3;
  return [a[0], a[1], a[0] + dx, a[1] + dy, b[0] - dx, b[1] - dy, b[0], b[1]];
}

function fitCubic(d: Pt[], first: number, last: number, t1: Pt, t2: Pt, error2: number, out: Cubic[]): void {
  if (last - first === 1) {
    const dist = Math.hypot(d[last]![0] - d[first]![0], d[last]![1] - d[first]![1]) / 3;
    const a = d[first]!;
    const b = d[last]!;
    out.push([a[0], a[1], a[0] + t1[0] * dist, a[1] + t1[1] * dist, b[0] + t2[0] * dist, b[1] + t2[1] * dist, b[0], b[1]]);
    return;
  }
  let u = chordLengths(d, first, last);
  let bez = generateBezier(d, first, last, u, t1, t2);
  let [maxError, split] = maxErrorAt(d, first, last, bez, u);
  if (maxError < error2) {
    out.push(bez);
    return;
  }
  if (maxError < error2 * 16) {
    for (let i = 0; i < MAX_REPARAMETERISE; i++) {
      u = reparameterise(d, first, last, u, bez);
      bez = generateBezier(d, first, last, u, t1, t2);
      [maxError, split] = maxErrorAt(d, first, last, bez, u);
      if (maxError < error2) {
        out.push(bez);
        return;
      }
    }
  }
  // Two vertices either side (about two pixels) steady the tangent against the isoline's wiggle.
  const reach = Math.min(2, split - first, last - split);
  const prev = d[split - reach]!;
  const next = d[split + reach]!;
  const centre = unit(prev[0] - next[0], prev[1] - next[1]);
  fitCubic(d, first, split, t1, centre, error2, out);
  fitCubic(d, split, last, negate(centre), t2, error2, out);
}

function chordLengths(d: Pt[], first: number, last: number): Float64Array {
  const u = new Float64Array(last - first + 1);
  for (let i = first + 1; i <= last; i++) u[i - first] = u[i - first - 1]! + Math.hypot(d[i]![0] - d[i - 1]![0], d[i]![1] - d[i - 1]![1]);
  const total = u[last - first]!;
  for (let i = 1; i < u.length; i++) u[i] = total > 0 ? u[i]! / total : i / (u.length - 1);
  return u;
}

/** Least-squares control distances along the fixed end tangents (Schneider's GenerateBezier, with the Wu–Barsky fallback). */
function generateBezier(d: Pt[], first: number, last: number, u: Float64Array, t1: Pt, t2: Pt): Cubic {
  const p0 = d[first]!;
  const p3 = d[last]!;
  let c00 = 0;
  let c01 = 0;
  let c11 = 0;
  let x0 = 0;
  let x1 = 0;
  for (let i = 0; i < u.length; i++) {
    const t = u[i]!;
    const s = 1 - t;
    const b0 = s * s * s;
    const b1 = 3 * t * s * s;
    const b2 = 3 * t * t * s;
    const b3 = t * t * t;
    const a1x = t1[0] * b1;
    const a1y = t1[1] * b1;
    const a2x = t2[0] * b2;
    const a2y = t2[1] * b2;
    c00 += a1x * a1x + a1y * a1y;
    c01 += a1x * a2x + a1y * a2y;
    c11 += a2x * a2x + a2y * a2y;
    const p = d[first + i]!;
    const rx = p[0] - (p0[0] * (b0 + b1) + p3[0] * (b2 + b3));
    const ry = p[1] - (p0[1] * (b0 + b1) + p3[1] * (b2 + b3));
    x0 += a1x * rx + a1y * ry;
    x1 += a2x * rx + a2y * ry;
  }
  const det = c00 * c11 - c01 * c01;
  let alpha1 = det !== 0 ? (x0 * c11 - x1 * c01) / det : 0;
  let alpha2 = det !== 0 ? (c00 * x1 - c01 * x0) / det : 0;
  const segLength = Math.hypot(p3[0] - p0[0], p3[1] - p0[1]);
  const epsilon = 1e-6 * segLength;
  if (det === 0 || alpha1 < epsilon || alpha2 < epsilon) alpha1 = alpha2 = segLength / 3;
  return [p0[0], p0[1], p0[0] + t1[0] * alpha1, p0[1] + t1[1] * alpha1, p3[0] + t2[0] * alpha2, p3[1] + t2[1] * alpha2, p3[0], p3[1]];
}

export function evalCubic(b: Cubic, t: number): Pt {
  const s = 1 - t;
  const b0 = s * s * s;
  const b1 = 3 * t * s * s;
  const b2 = 3 * t * t * s;
  const b3 = t * t * t;
  return [b0 * b[0] + b1 * b[2] + b2 * b[4] + b3 * b[6], b0 * b[1] + b1 * b[3] + b2 * b[5] + b3 * b[7]];
}

function maxErrorAt(d: Pt[], first: number, last: number, bez: Cubic, u: Float64Array): [number, number] {
  let max = 0;
  let split = (first + last) >> 1;
  for (let i = first + 1; i < last; i++) {
    const p = evalCubic(bez, u[i - first]!);
    const dist = (p[0] - d[i]![0]) ** 2 + (p[1] - d[i]![1]) ** 2;
    if (dist >= max) {
      max = dist;
      split = i;
    }
  }
  return [max, split];
}

/** One Newton–Raphson step per point towards the parameter nearest it on the curve. */
function reparameterise(d: Pt[], first: number, last: number, u: Float64Array, b: Cubic): Float64Array {
  const out = new Float64Array(u.length);
  for (let i = 0; i < u.length; i++) {
    const t = u[i]!;
    const p = d[first + i]!;
    const q = evalCubic(b, t);
    const s = 1 - t;
    // First and second derivatives of the cubic at t.
    const d1x = 3 * (s * s * (b[2] - b[0]) + 2 * s * t * (b[4] - b[2]) + t * t * (b[6] - b[4]));
    const d1y = 3 * (s * s * (b[3] - b[1]) + 2 * s * t * (b[5] - b[3]) + t * t * (b[7] - b[5]));
    const d2x = 6 * (s * (b[4] - 2 * b[2] + b[0]) + t * (b[6] - 2 * b[4] + b[2]));
    const d2y = 6 * (s * (b[5] - 2 * b[3] + b[1]) + t * (b[7] - 2 * b[5] + b[3]));
    const num = (q[0] - p[0]) * d1x + (q[1] - p[1]) * d1y;
    const den = d1x * d1x + d1y * d1y + (q[0] - p[0]) * d2x + (q[1] - p[1]) * d2y;
    const next = den !== 0 ? t - num / den : t;
    out[i] = Math.min(1, Math.max(0, next));
  }
  return out;
}
