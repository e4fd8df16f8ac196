import type { Polygon } from "./contours";
import { fitCubic, negate, unit, type Cubic } from "./schneider";

export type { Cubic };

/**
 * Cubic Béziers through a closed contour (marching-squares vertices about a
 * pixel apart), every vertex within `tolerancePx` of the curve, by
 * Schneider's algorithm (schneider.ts; written here rather than taken from
 * npm because it is short, and how a closed cut line is split and where
 * its tangents come from is specific to cut lines).
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
