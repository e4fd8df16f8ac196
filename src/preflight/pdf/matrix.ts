/** An affine transform [a b c d e f] as PDF writes it (§8.3.4): row vectors, so `cm` gives M × CTM. */
export type Matrix = [number, number, number, number, number, number];

export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

export function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

/** Six finite numbers, or undefined: a malformed `cm` or /Matrix is ignored rather than poisoning every later position. */
export function toMatrix(values: readonly unknown[] | undefined): Matrix | undefined {
  if (!values || values.length !== 6 || !values.every((v) => typeof v === "number" && Number.isFinite(v))) return undefined;
  // A copy: the caller's array may be the lexer's operand stack, reused for the next operator.
  return [...values] as Matrix;
}

/** Lengths the unit square's sides get: an image's placed width and height. */
export function unitSquareSides(m: Matrix): { width: number; height: number } {
  return { width: Math.hypot(m[0], m[1]), height: Math.hypot(m[2], m[3]) };
}

/**
 * The smallest factor the transform scales any direction by (its smaller
 * singular value): a stroke of width w is at least w times this thick on the
 * page, which is what decides whether it prints.
 */
export function minScale(m: Matrix): number {
  const [a, b, c, d] = m;
  if (b === 0 && c === 0) return Math.min(Math.abs(a), Math.abs(d));
  if (a === 0 && d === 0) return Math.min(Math.abs(b), Math.abs(c));
  const sum = a * a + b * b + c * c + d * d;
  const det = a * d - b * c;
  const root = Math.sqrt(Math.max(0, sum * sum - 4 * det * det));
  return Math.sqrt(Math.max(0, (sum - root) / 2));
}

/** The axis-aligned bounds of a rectangle after a transform. */
export function transformBox(m: Matrix, box: [number, number, number, number]): [number, number, number, number] {
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [x, y] of [
    [box[0], box[1]],
    [box[2], box[1]],
    [box[0], box[3]],
    [box[2], box[3]],
  ] as const) {
    xs.push(m[0] * x + m[2] * y + m[4]);
    ys.push(m[1] * x + m[3] * y + m[5]);
  }
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}
