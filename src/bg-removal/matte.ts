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

/** Bilinear upsampling of a model-resolution mask (values 0..1) to an 8-bit alpha of the image size. */
export function upsampleMask(mask: Float32Array, maskWidth: number, maskHeight: number, width: number, height: number): Uint8Array {
  const alpha = new Uint8Array(width * height);
  const sx = maskWidth / width;
  const sy = maskHeight / height;
  for (let y = 0; y < height; y++) {
    const [y0, y1, wy] = bilinearTap(y, sy, maskHeight);
    for (let x = 0; x < width; x++) {
      const [x0, x1, wx] = bilinearTap(x, sx, maskWidth);
      const top = mask[y0 * maskWidth + x0]! * (1 - wx) + mask[y0 * maskWidth + x1]! * wx;
      const bottom = mask[y1 * maskWidth + x0]! * (1 - wx) + mask[y1 * maskWidth + x1]! * wx;
      alpha[y * width + x] = clamp255((top * (1 - wy) + bottom * wy) * 255);
    }
  }
  return alpha;
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

/** Downscales the image's luminance (0..1) to a plane whose long side is at most maxSide, by area averaging. */
export function luminancePlane(image: Rgba, maxSide: number): { plane: Float32Array; width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const plane = new Float32Array(width * height);
  const counts = new Uint32Array(width * height);
  for (let y = 0; y < image.height; y++) {
    const ty = Math.min(height - 1, Math.floor((y * height) / image.height));
    for (let x = 0; x < image.width; x++) {
      const tx = Math.min(width - 1, Math.floor((x * width) / image.width));
      const i = (y * image.width + x) * 4;
      plane[ty * width + tx]! += (0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!) / 255;
      counts[ty * width + tx]!++;
    }
  }
  for (let i = 0; i < plane.length; i++) plane[i]! /= counts[i] || 1;
  return { plane, width, height };
}

/**
 * Guided filter (He, Sun & Tang) with the image's luminance as guide,
 * computed at a working resolution (fast guided filter) and applied at full
 * resolution only inside the uncertainty band, where the upsampled model
 * mask is neither clearly foreground nor clearly background. Edges then
 * follow the image's own edges (hair, fur, fine contours) instead of the
 * model's coarse grid.
 */
export function refineEdges(image: Rgba, alpha: Uint8Array, options: { workSide: number; radius: number; epsilon: number; band: [number, number] }): void {
  const guide = luminancePlane(image, options.workSide);
  const { width: gw, height: gh } = guide;
  // The mask at the working resolution.
  const p = new Float32Array(gw * gh);
  for (let y = 0; y < gh; y++) {
    const sy = Math.min(image.height - 1, Math.floor(((y + 0.5) * image.height) / gh));
    for (let x = 0; x < gw; x++) {
      const sx = Math.min(image.width - 1, Math.floor(((x + 0.5) * image.width) / gw));
      p[y * gw + x] = alpha[sy * image.width + sx]! / 255;
    }
  }
  const I = guide.plane;
  const meanI = I.slice();
  const meanP = p.slice();
  const corrII = I.map((v) => v * v);
  const corrIP = I.map((v, i) => v * p[i]!);
  for (const plane of [meanI, meanP, corrII, corrIP]) boxBlur(plane, gw, gh, options.radius);
  const a = new Float32Array(gw * gh);
  const b = new Float32Array(gw * gh);
  for (let i = 0; i < a.length; i++) {
    const varI = corrII[i]! - meanI[i]! * meanI[i]!;
    const covIP = corrIP[i]! - meanI[i]! * meanP[i]!;
    a[i] = covIP / (varI + options.epsilon);
    b[i] = meanP[i]! - a[i]! * meanI[i]!;
  }
  boxBlur(a, gw, gh, options.radius);
  boxBlur(b, gw, gh, options.radius);

  const [low, high] = options.band;
  const sx = gw / image.width;
  const sy = gh / image.height;
  for (let y = 0; y < image.height; y++) {
    const [y0, y1, wy] = bilinearTap(y, sy, gh);
    for (let x = 0; x < image.width; x++) {
      const k = y * image.width + x;
      const current = alpha[k]!;
      if (current <= low || current >= high) continue;
      const [x0, x1, wx] = bilinearTap(x, sx, gw);
      const lerp = (m: Float32Array) =>
        (m[y0 * gw + x0]! * (1 - wx) + m[y0 * gw + x1]! * wx) * (1 - wy) + (m[y1 * gw + x0]! * (1 - wx) + m[y1 * gw + x1]! * wx) * wy;
      const i = k * 4;
      const lum = (0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!) / 255;
      alpha[k] = clamp255((lerp(a) * lum + lerp(b)) * 255);
    }
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
