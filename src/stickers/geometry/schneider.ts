/**
 * Schneider's least-squares fit of one cubic to a run of points with given
 * end tangents, split at the worst point until every point is within the
 * tolerance ("An Algorithm for Automatically Fitting Digitized Curves",
 * Graphics Gems, 1990). Tangents follow the paper: `t1` leaves the first
 * point, `t2` points back into the run from the last.
 */

type Pt = [number, number];

/** A cubic Bézier in pixel coordinates: p0, c1, c2, p3 as [x, y] pairs. */
export type Cubic = [number, number, number, number, number, number, number, number];

const MAX_REPARAMETERISE = 12;

export function unit(x: number, y: number): Pt {
  const len = Math.hypot(x, y);
  return len > 0 ? [x / len, y / len] : [1, 0];
}

export function negate(v: Pt): Pt {
  return [-v[0], -v[1]];
}

/** Appends to `out` cubics through d[first..last] within √error2 of every point. */
export function fitCubic(d: Pt[], first: number, last: number, t1: Pt, t2: Pt, error2: number, out: Cubic[]): void {
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

function evalCubic(b: Cubic, t: number): Pt {
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
