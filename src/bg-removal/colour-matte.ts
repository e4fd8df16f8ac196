import { clamp255, type Rgba } from "./matte";

/**
 * Colour-based mattes for graphics (logos, text): a key against a flat
 * background, and a colour model that corrects the learned mask.
 */
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
export function colourKeyAlpha(image: Rgba, background: [number, number, number], into: Uint8Array = new Uint8Array(image.width * image.height)): Uint8Array {
  for (let k = 0, i = 0; k < into.length; k++, i += 4) {
    const d = keyDistance(image.data, i, background);
    into[k] = d <= KEY_INNER ? 0 : d >= KEY_OUTER ? 255 : clamp255(((d - KEY_INNER) / (KEY_OUTER - KEY_INNER)) * 255);
  }
  return into;
}

/** A pixel's colour distance from the key (the flat background), `i` its first byte. */
function keyDistance(data: ArrayLike<number>, i: number, background: [number, number, number]): number {
  return Math.hypot(data[i]! - background[0], data[i + 1]! - background[1], data[i + 2]! - background[2]);
}

/** Colour distances from the background within which a pixel is all background, and beyond which all foreground. */
const KEY_INNER = 24;
const KEY_OUTER = 72;
/** How far around a pixel (guide pixels) the ink its edge is a mix of is looked for: an anti-aliased edge is one or two pixels wide. */
const INK_REACH = 2;
/** A pixel of ink is a fill's: its four neighbours lie within this of its colour (largest channel difference). */
const INK_FLAT = 6;
/** A pixel is a mix of the background and an ink when it lies within this colour distance of the line between them. */
const MIX_TOLERANCE = 16;

/**
 * Per guide pixel, the colour distance from the background at which a source
 * pixel there is kept by a hard cut. On an edge, where the background and a
 * fill of ink both lie within INK_REACH and the pixel's colour is a mix of
 * the two (paper and ink themselves included, so that the thresholds the cut
 * interpolates between guide pixels agree along the edge), it is half the
 * ink's distance: the pixel stays where the ink
 * covers at least half of it, as the artwork's own outline runs (a fixed
 * distance keeps a rim of mostly-paper pixels around dark ink and drops pale
 * ink's edge). Elsewhere (inside the artwork, or where no flat ink explains
 * the colour, as in a photograph or noise placed on the paper) it is
 * KEY_INNER: everything not paper stays. `hardKeyAlpha` applies it.
 */
export function keyThresholds(image: Rgba, background: [number, number, number]): Uint8Array {
  const { width, height, data } = image;
  const n = width * height;
  const distance = new Float32Array(n);
  for (let k = 0, i = 0; k < n; k++, i += 4) {
    distance[k] = keyDistance(data, i, background);
  }
  const flat = new Uint8Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      if (distance[k]! <= 2 * KEY_INNER) continue;
      let uniform = true;
      for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]] as const) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx < 0 || yy < 0 || xx >= width || yy >= height) continue;
        const j = (yy * width + xx) * 4;
        for (let c = 0; c < 3; c++) if (Math.abs(data[j + c]! - data[k * 4 + c]!) > INK_FLAT) uniform = false;
      }
      flat[k] = uniform ? 1 : 0;
    }
  }
  const thresholds = new Uint8Array(n).fill(KEY_INNER);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const dk = distance[k]!;
      let paperNear = false;
      let ink = 0;
      for (let yy = Math.max(0, y - INK_REACH); yy <= Math.min(height - 1, y + INK_REACH); yy++) {
        for (let xx = Math.max(0, x - INK_REACH); xx <= Math.min(width - 1, x + INK_REACH); xx++) {
          const q = yy * width + xx;
          const dq = distance[q]!;
          if (dq <= KEY_INNER) paperNear = true;
          else if (flat[q] && dq >= dk && dq > ink && isMix(data, k * 4, q * 4, background, dq)) ink = dq;
        }
      }
      if (paperNear && ink > 0) thresholds[k] = Math.min(255, Math.max(KEY_INNER, Math.round(ink / 2)));
    }
  }
  return thresholds;
}

/** Whether the pixel at `p` lies within MIX_TOLERANCE of the line from the background to the ink at `q` (`dq` its distance from the background). */
function isMix(data: ArrayLike<number>, p: number, q: number, background: [number, number, number], dq: number): boolean {
  let along = 0;
  for (let c = 0; c < 3; c++) along += (data[p + c]! - background[c]!) * (data[q + c]! - background[c]!);
  const a = along / (dq * dq);
  let off = 0;
  for (let c = 0; c < 3; c++) off += (data[p + c]! - background[c]! - a * (data[q + c]! - background[c]!)) ** 2;
  return off <= MIX_TOLERANCE * MIX_TOLERANCE;
}

/** A hard colour-keyed cut: 255 where a pixel's distance from the background reaches its threshold (in `alpha` on entry), else 0. */
export function hardKeyAlpha(image: Rgba, background: [number, number, number], alpha: Uint8Array): void {
  for (let k = 0, i = 0; k < alpha.length; k++, i += 4) {
    alpha[k] = keyDistance(image.data, i, background) >= alpha[k]! ? 255 : 0;
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
