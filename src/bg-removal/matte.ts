import { yieldToRuntime } from "../platform/yield";

/**
 * Alpha matte post-processing, as pure functions over typed arrays (no I/O,
 * no wasm). Everything here works on the full-resolution image with at most
 * a few bytes per pixel, since the source image itself already takes four.
 */
export interface Rgba {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/**
 * Bilinear sampling with pixel centres aligned: for destination index i at
 * the given source/destination scale, the two source neighbours and the
 * weight of the second.
 */
export function bilinearTap(i: number, scale: number, size: number): [number, number, number] {
  const f = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), size - 1);
  const i0 = Math.floor(f);
  return [i0, Math.min(i0 + 1, size - 1), f - i0];
}

/** The bilinear taps of every destination index along one axis, computed once instead of per pixel. */
function bilinearTaps(count: number, scale: number, size: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const w = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const [a, b, f] = bilinearTap(i, scale, size);
    i0[i] = a;
    i1[i] = b;
    w[i] = f;
  }
  return { i0, i1, w };
}

/** Bilinear upsampling of a model-resolution mask (values 0..1) to an 8-bit alpha of the image size. */
export function upsampleMask(mask: Float32Array, maskWidth: number, maskHeight: number, width: number, height: number): Uint8Array {
  const alpha = new Uint8Array(width * height);
  new AlphaUpsampler(mask, maskWidth, maskHeight, width, height, 255).rows(0, height, alpha);
  return alpha;
}

/**
 * Bilinear upsampling of a plane (a guide-resolution alpha, or a model's
 * 0..1 mask with `scale` 255) to an 8-bit alpha of a larger size, a band of
 * rows at a time: the full-resolution alpha is made as the output is
 * written and never exists whole.
 */
export class AlphaUpsampler {
  private readonly xs: { i0: Int32Array; i1: Int32Array; w: Float32Array };

  constructor(
    private readonly plane: Uint8Array | Float32Array,
    private readonly planeWidth: number,
    private readonly planeHeight: number,
    readonly width: number,
    readonly height: number,
    private readonly scale = 1,
  ) {
    this.xs = bilinearTaps(width, planeWidth / width, planeWidth);
  }

  /** Rows `y0 … y0 + rows − 1` into `out` (`rows * width` bytes). */
  rows(y0: number, rows: number, out: Uint8Array): void {
    const { plane, planeWidth, planeHeight, width, xs } = this;
    const sy = planeHeight / this.height;
    for (let r = 0; r < rows; r++) {
      const [y0t, y1t, wy] = bilinearTap(y0 + r, sy, planeHeight);
      const top = y0t * planeWidth;
      const bottom = y1t * planeWidth;
      const o = r * width;
      for (let x = 0; x < width; x++) {
        const x0 = xs.i0[x]!;
        const x1 = xs.i1[x]!;
        const wx = xs.w[x]!;
        const upper = plane[top + x0]! * (1 - wx) + plane[top + x1]! * wx;
        const lower = plane[bottom + x0]! * (1 - wx) + plane[bottom + x1]! * wx;
        out[o + x] = clamp255((upper * (1 - wy) + lower * wy) * this.scale);
      }
    }
  }
}

/**
 * Running-sum box filter of radius r, in place (separable, O(1) per pixel,
 * edges clamped). Works on float planes and, rounding, on 8-bit ones, with
 * one row or column of float scratch.
 */
export function boxBlur(plane: Float32Array | Uint8Array, width: number, height: number, radius: number): void {
  if (radius < 1) return;
  const round = plane instanceof Uint8Array;
  const line = new Float32Array(Math.max(width, height));
  const n = 2 * radius + 1;
  // One pass along rows (step 1) or columns (step width) of `count` lines of `length` pixels.
  const pass = (count: number, length: number, lineStride: number, step: number) => {
    for (let l = 0; l < count; l++) {
      const base = l * lineStride;
      const at = (i: number) => plane[base + Math.min(Math.max(i, 0), length - 1) * step]!;
      let sum = 0;
      for (let i = -radius; i <= radius; i++) sum += at(i);
      for (let i = 0; i < length; i++) {
        line[i] = sum / n;
        sum += at(i + radius + 1) - at(i - radius);
      }
      for (let i = 0; i < length; i++) plane[base + i * step] = round ? Math.round(line[i]!) : line[i]!;
    }
  };
  pass(height, width, width, 1);
  pass(width, height, 1, width);
}

/** Rows per band of the guided filter's working plane: a few hundred KB of planes whatever the image size. */
const GUIDE_BAND_ROWS = 64;

/**
 * Guided filter (He, Sun & Tang) with the image's luminance as guide,
 * computed at a working resolution (fast guided filter) and applied at full
 * resolution only inside the uncertainty band, where the upsampled model
 * mask is neither clearly foreground nor clearly background. Edges then
 * follow the image's own edges (hair, fur, fine contours) instead of the
 * model's coarse grid.
 *
 * The working plane (up to 2048 px on the long side, 2.8 MP) is processed in
 * horizontal bands with a halo of twice the radius, which is what the two
 * box filters reach: whole-plane float planes would take 16 bytes per
 * working pixel, 45 MB at 2048 px. Only the mask at working resolution is
 * kept whole, as bytes, sampled before any pixel is refined.
 */
export async function refineEdges(image: Rgba, alpha: Uint8Array, options: { workSide: number; radius: number; epsilon: number; band: [number, number] }): Promise<void> {
  const { width, height, data } = image;
  const scale = Math.min(1, options.workSide / Math.max(width, height));
  const gw = Math.max(1, Math.round(width * scale));
  const gh = Math.max(1, Math.round(height * scale));
  const r = options.radius;

  const mask = new Uint8Array(gw * gh);
  for (let y = 0; y < gh; y++) {
    const sy = Math.min(height - 1, Math.floor(((y + 0.5) * height) / gh));
    for (let x = 0; x < gw; x++) {
      const sx = Math.min(width - 1, Math.floor(((x + 0.5) * width) / gw));
      mask[y * gw + x] = alpha[sy * width + sx]!;
    }
  }
  // Area averaging: source column x and row y fall into working cell (column[x], row of y).
  const column = new Int32Array(width);
  const columnCount = new Float64Array(gw);
  for (let x = 0; x < width; x++) {
    column[x] = Math.min(gw - 1, Math.floor((x * gw) / width));
    columnCount[column[x]!]!++;
  }
  const firstRowOf = (ty: number) => Math.ceil((ty * height) / gh);
  const sums = new Float64Array(gw);

  const maxRows = Math.min(gh, GUIDE_BAND_ROWS + 4 * r + 1);
  const I = new Float32Array(maxRows * gw);
  const P = new Float32Array(maxRows * gw);
  const II = new Float32Array(maxRows * gw);
  const IP = new Float32Array(maxRows * gw);

  const [low, high] = options.band;
  const sx = gw / width;
  const sy = gh / height;
  const xs = bilinearTaps(width, sx, gw);
  let y = 0;
  for (let j0 = 0; j0 < gh; j0 += GUIDE_BAND_ROWS) {
    const j1 = Math.min(gh, j0 + GUIDE_BAND_ROWS);
    const s0 = Math.max(0, j0 - 2 * r);
    const s1 = Math.min(gh, j1 + 1 + 2 * r);
    const rows = s1 - s0;
    const n = rows * gw;
    const [i, p, ii, ip] = [I, P, II, IP].map((plane) => plane.subarray(0, n)) as [Float32Array, Float32Array, Float32Array, Float32Array];
    for (let ty = s0; ty < s1; ty++) {
      sums.fill(0);
      const yStart = firstRowOf(ty);
      const yEnd = ty === gh - 1 ? height : firstRowOf(ty + 1);
      for (let yy = yStart; yy < yEnd; yy++) {
        for (let x = 0, k = yy * width * 4; x < width; x++, k += 4) sums[column[x]!]! += (0.299 * data[k]! + 0.587 * data[k + 1]! + 0.114 * data[k + 2]!) / 255;
      }
      const rowsInCell = Math.max(1, yEnd - yStart);
      const o = (ty - s0) * gw;
      for (let tx = 0; tx < gw; tx++) {
        const lum = sums[tx]! / (rowsInCell * (columnCount[tx]! || 1));
        const m = mask[ty * gw + tx]! / 255;
        i[o + tx] = lum;
        p[o + tx] = m;
        ii[o + tx] = lum * lum;
        ip[o + tx] = lum * m;
      }
    }
    for (const plane of [i, p, ii, ip]) boxBlur(plane, gw, rows, r);
    // a into ip, b into p: the means are not needed once the coefficients exist.
    for (let k = 0; k < n; k++) {
      const varI = ii[k]! - i[k]! * i[k]!;
      const covIP = ip[k]! - i[k]! * p[k]!;
      const a = covIP / (varI + options.epsilon);
      ip[k] = a;
      p[k] = p[k]! - a * i[k]!;
    }
    boxBlur(ip, gw, rows, r);
    boxBlur(p, gw, rows, r);

    // Full-resolution rows whose upper bilinear tap lies in this band (the lower one is at most j1, inside the halo).
    for (; y < height; y++) {
      const [y0, y1, wy] = bilinearTap(y, sy, gh);
      if (y0 >= j1) break;
      const top = (y0 - s0) * gw;
      const bottom = (y1 - s0) * gw;
      for (let x = 0; x < width; x++) {
        const k = y * width + x;
        const current = alpha[k]!;
        if (current <= low || current >= high) continue;
        const x0 = xs.i0[x]!;
        const x1 = xs.i1[x]!;
        const wx = xs.w[x]!;
        const lerp = (m: Float32Array) => (m[top + x0]! * (1 - wx) + m[top + x1]! * wx) * (1 - wy) + (m[bottom + x0]! * (1 - wx) + m[bottom + x1]! * wx) * wy;
        const q = k * 4;
        const lum = (0.299 * data[q]! + 0.587 * data[q + 1]! + 0.114 * data[q + 2]!) / 255;
        alpha[k] = clamp255((lerp(ip) * lum + lerp(p)) * 255);
      }
    }
    await yieldToRuntime();
  }
}

/**
 * Edge softness 0–10. 0 is a hard cut (every pixel fully in or out); above
 * that the cut edge is blurred with a radius that grows with the setting and
 * with the image size (about 0.1 % of the long side per step), so the
 * feathered band looks the same at every resolution.
 */
export function featherRadius(softness: number, width: number, height: number): number {
  if (softness <= 0) return 0;
  return Math.max(1, Math.round((softness * Math.max(width, height)) / 1000));
}

export function applyEdgeSoftness(alpha: Uint8Array, width: number, height: number, softness: number, keepSoftEdges: boolean): void {
  if (softness <= 0) {
    for (let i = 0; i < alpha.length; i++) alpha[i] = alpha[i]! >= 128 ? 255 : 0;
    return;
  }
  if (!keepSoftEdges) for (let i = 0; i < alpha.length; i++) alpha[i] = alpha[i]! >= 128 ? 255 : 0;
  const radius = featherRadius(softness, width, height);
  // Two box passes approximate a Gaussian.
  boxBlur(alpha, width, height, Math.max(1, Math.round(radius / 2)));
  boxBlur(alpha, width, height, Math.max(1, Math.round(radius / 2)));
}
