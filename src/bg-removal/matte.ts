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

const clamp255 = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** Bilinear upsampling of a model-resolution mask (values 0..1) to an 8-bit alpha of the image size. */
export function upsampleMask(mask: Float32Array, maskWidth: number, maskHeight: number, width: number, height: number): Uint8Array {
  const alpha = new Uint8Array(width * height);
  const sx = maskWidth / width;
  const sy = maskHeight / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), maskHeight - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, maskHeight - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), maskWidth - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, maskWidth - 1);
      const wx = fx - x0;
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
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), gh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, gh - 1);
    const wy = fy - y0;
    for (let x = 0; x < image.width; x++) {
      const k = y * image.width + x;
      const current = alpha[k]!;
      if (current <= low || current >= high) continue;
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), gw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, gw - 1);
      const wx = fx - x0;
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

/**
 * A flat background (logos and text on plain paper or a solid fill): the
 * median colour of the image border, if the border is nearly one colour.
 */
export function flatBackgroundColour(image: Rgba, tolerance = 18): [number, number, number] | null {
  const samples: number[][] = [];
  const step = Math.max(1, Math.floor((image.width + image.height) / 400));
  const push = (x: number, y: number) => {
    const i = (y * image.width + x) * 4;
    samples.push([image.data[i]!, image.data[i + 1]!, image.data[i + 2]!]);
  };
  for (let x = 0; x < image.width; x += step) {
    push(x, 0);
    push(x, image.height - 1);
  }
  for (let y = 0; y < image.height; y += step) {
    push(0, y);
    push(image.width - 1, y);
  }
  const median = [0, 1, 2].map((c) => samples.map((s) => s[c]!).sort((a, b) => a - b)[samples.length >> 1]!) as [number, number, number];
  const close = samples.filter((s) => Math.hypot(s[0]! - median[0], s[1]! - median[1], s[2]! - median[2]) <= tolerance).length;
  return close / samples.length >= 0.95 ? median : null;
}

/**
 * Colour-keyed alpha against a flat background: distance from the
 * background colour, ramped between `inner` and `outer`. Unlike a learned
 * mask it keeps every hole (the inside of an "o" is background because it
 * has the background's colour).
 */
export function colourKeyAlpha(image: Rgba, background: [number, number, number], inner = 24, outer = 72): Uint8Array {
  const alpha = new Uint8Array(image.width * image.height);
  for (let k = 0, i = 0; k < alpha.length; k++, i += 4) {
    const d = Math.hypot(image.data[i]! - background[0], image.data[i + 1]! - background[1], image.data[i + 2]! - background[2]);
    alpha[k] = d <= inner ? 0 : d >= outer ? 255 : clamp255(((d - inner) / (outer - inner)) * 255);
  }
  return alpha;
}

/**
 * Local background colour on a coarse grid: the mean colour of clearly
 * background pixels per cell, with empty cells filled from their
 * neighbours. Used to take the old background out of edge pixels.
 */
export function backgroundGrid(image: Rgba, alpha: Uint8Array, cells = 48): { grid: Float32Array; gw: number; gh: number } {
  const gw = Math.max(1, Math.min(cells, image.width));
  const gh = Math.max(1, Math.min(cells, image.height));
  const sums = new Float32Array(gw * gh * 3);
  const counts = new Float32Array(gw * gh);
  for (let y = 0; y < image.height; y++) {
    const cy = Math.min(gh - 1, Math.floor((y * gh) / image.height));
    for (let x = 0; x < image.width; x++) {
      const k = y * image.width + x;
      if (alpha[k]! > 8) continue;
      const c = cy * gw + Math.min(gw - 1, Math.floor((x * gw) / image.width));
      sums[c * 3]! += image.data[k * 4]!;
      sums[c * 3 + 1]! += image.data[k * 4 + 1]!;
      sums[c * 3 + 2]! += image.data[k * 4 + 2]!;
      counts[c]!++;
    }
  }
  const grid = new Float32Array(gw * gh * 3);
  const known = new Uint8Array(gw * gh);
  for (let c = 0; c < counts.length; c++) {
    if (counts[c]! > 0) {
      for (let ch = 0; ch < 3; ch++) grid[c * 3 + ch] = sums[c * 3 + ch]! / counts[c]!;
      known[c] = 1;
    }
  }
  if (!known.some(Boolean)) return { grid: grid.fill(255), gw, gh };
  // Fill unknown cells from known neighbours, wave by wave.
  for (let changed = true; changed; ) {
    changed = false;
    const next = known.slice();
    for (let cy = 0; cy < gh; cy++) {
      for (let cx = 0; cx < gw; cx++) {
        const c = cy * gw + cx;
        if (known[c]) continue;
        let n = 0;
        const acc = [0, 0, 0];
        for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
          const nx = cx + dx;
          const ny = cy + dy;
          if (nx < 0 || ny < 0 || nx >= gw || ny >= gh || !known[ny * gw + nx]) continue;
          for (let ch = 0; ch < 3; ch++) acc[ch]! += grid[(ny * gw + nx) * 3 + ch]!;
          n++;
        }
        if (n) {
          for (let ch = 0; ch < 3; ch++) grid[c * 3 + ch] = acc[ch]! / n;
          next[c] = 1;
          changed = true;
        }
      }
    }
    known.set(next);
  }
  return { grid, gw, gh };
}

/**
 * Writes the cut-out into `image` in place: alpha into the alpha channel
 * (transparent output) or composited over white (white output). Edge pixels
 * are decontaminated first: their colour is a mix C = a·F + (1−a)·B of
 * foreground F and old background B, so F = (C − (1−a)·B)/a removes the
 * halo of the old background that would otherwise ring the subject.
 */
export function composite(image: Rgba, alpha: Uint8Array, background: "transparent" | "white"): void {
  const { grid, gw, gh } = backgroundGrid(image, alpha);
  const data = image.data;
  for (let y = 0; y < image.height; y++) {
    const cy = Math.min(gh - 1, Math.floor((y * gh) / image.height));
    for (let x = 0; x < image.width; x++) {
      const k = y * image.width + x;
      const i = k * 4;
      const a = alpha[k]! / 255;
      if (a > 0 && a < 1) {
        const c = (cy * gw + Math.min(gw - 1, Math.floor((x * gw) / image.width))) * 3;
        // Below 10 % coverage the estimate is unstable and the pixel is nearly invisible anyway.
        const weight = Math.max(a, 0.1);
        for (let ch = 0; ch < 3; ch++) data[i + ch] = clamp255((data[i + ch]! - (1 - weight) * grid[c + ch]!) / weight);
      }
      // Keep the source's own transparency: the cut can only remove more.
      const finalAlpha = (alpha[k]! * data[i + 3]!) / 255;
      if (background === "white") {
        const fa = finalAlpha / 255;
        for (let ch = 0; ch < 3; ch++) data[i + ch] = clamp255(data[i + ch]! * fa + 255 * (1 - fa));
        data[i + 3] = 255;
      } else {
        data[i + 3] = clamp255(finalAlpha);
      }
    }
  }
}

function kMeans(samples: Float32Array, count: number, k: number): Float32Array {
  const centres = new Float32Array(k * 3);
  // Deterministic start: samples spread evenly through the list.
  for (let c = 0; c < k; c++) centres.set(samples.subarray(Math.floor(((c + 0.5) * count) / k) * 3, Math.floor(((c + 0.5) * count) / k) * 3 + 3), c * 3);
  const sums = new Float32Array(k * 3);
  const sizes = new Float32Array(k);
  for (let iteration = 0; iteration < 8; iteration++) {
    sums.fill(0);
    sizes.fill(0);
    for (let s = 0; s < count; s++) {
      const c = nearest(centres, k, samples[s * 3]!, samples[s * 3 + 1]!, samples[s * 3 + 2]!).index;
      for (let ch = 0; ch < 3; ch++) sums[c * 3 + ch]! += samples[s * 3 + ch]!;
      sizes[c]!++;
    }
    for (let c = 0; c < k; c++) if (sizes[c]) for (let ch = 0; ch < 3; ch++) centres[c * 3 + ch] = sums[c * 3 + ch]! / sizes[c]!;
  }
  return centres;
}

function nearest(centres: Float32Array, k: number, r: number, g: number, b: number): { index: number; distance: number } {
  let index = 0;
  let distance = Infinity;
  for (let c = 0; c < k; c++) {
    const d = (centres[c * 3]! - r) ** 2 + (centres[c * 3 + 1]! - g) ** 2 + (centres[c * 3 + 2]! - b) ** 2;
    if (d < distance) {
      distance = d;
      index = c;
    }
  }
  return { index, distance: Math.sqrt(distance) };
}

/**
 * For graphics (logos, text) on a busy background: learned masks tend to
 * drop thin strokes and whole letters at the model's small input size, but
 * graphics have few, distinct colours. Colour clusters are learned from the
 * pixels the model leans to (foreground from alpha ≥ 160, so outlines at the
 * edge are sampled too; background from alpha ≤ 15), separately,
 * and every pixel near the model's foreground is then assigned to the side
 * whose colours it matches, which restores missing strokes and keeps holes.
 */
export function refineByColourModel(image: Rgba, alpha: Uint8Array, clusters = 5): void {
  const { width, height } = image;
  const maxSamples = 20_000;
  const fg: number[] = [];
  const bg: number[] = [];
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  const stride = Math.max(1, Math.floor((width * height) / (maxSamples * 4)));
  for (let k = 0; k < alpha.length; k++) {
    const a = alpha[k]!;
    if (a >= 128) {
      const x = k % width;
      const y = (k / width) | 0;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    if (k % stride) continue;
    if (a >= 160) fg.push(image.data[k * 4]!, image.data[k * 4 + 1]!, image.data[k * 4 + 2]!);
    else if (a <= 15) bg.push(image.data[k * 4]!, image.data[k * 4 + 1]!, image.data[k * 4 + 2]!);
  }
  if (maxX < 0 || fg.length < clusters * 3 * 10 || bg.length < clusters * 3 * 10) return;
  const fgCentres = kMeans(Float32Array.from(fg), fg.length / 3, clusters);
  const bgCentres = kMeans(Float32Array.from(bg), bg.length / 3, clusters);
  // Only near what the model found: a margin of 15 % of the foreground's size.
  const marginX = Math.round((maxX - minX + 1) * 0.15);
  const marginY = Math.round((maxY - minY + 1) * 0.15);
  const x0 = Math.max(0, minX - marginX);
  const x1 = Math.min(width - 1, maxX + marginX);
  const y0 = Math.max(0, minY - marginY);
  const y1 = Math.min(height - 1, maxY + marginY);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      if (x < x0 || x > x1 || y < y0 || y > y1) {
        alpha[k] = 0;
        continue;
      }
      const r = image.data[k * 4]!;
      const g = image.data[k * 4 + 1]!;
      const b = image.data[k * 4 + 2]!;
      const dF = nearest(fgCentres, clusters, r, g, b).distance;
      const dB = nearest(bgCentres, clusters, r, g, b).distance;
      alpha[k] = clamp255((dB / (dF + dB + 1e-6) - 0.3) / 0.4 * 255);
    }
  }
}
