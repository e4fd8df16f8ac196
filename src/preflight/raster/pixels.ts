/**
 * What only the pixels can tell: whether any pixel is not fully opaque, and
 * how sharp the image is. One pass over the decoded RGBA builds a greyscale
 * copy no larger than SHARPNESS_LONG_SIDE_PX on its long side (area average)
 * and notes alpha on the way; the full-size pixels are not needed afterwards.
 */

/** Images are measured at most this large, so the score means blur relative to the picture, not to its pixel count. */
export const SHARPNESS_LONG_SIDE_PX = 1024;
/** Below this short side there is too little picture to judge. */
const MIN_MEASURED_SIDE_PX = 16;
/** Crété-Roffet's re-blur: a 9-tap box filter along each axis. */
const REBLUR_TAPS = 9;

export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

export interface PixelFacts {
  alphaUsed: boolean;
  /** Null when the picture is too small or has no edges at all (a flat fill). */
  sharpness: { score: number; sampledWidthPx: number; sampledHeightPx: number } | null;
}

/** Luma (Rec. 601) of the pixels as printed: transparent areas flattened onto white, as a printer would. */
function greyscaleCopy(image: RgbaPixels): { grey: Float32Array; width: number; height: number; alphaUsed: boolean } {
  const { width: w, height: h, data } = image;
  const scale = Math.min(1, SHARPNESS_LONG_SIDE_PX / Math.max(w, h));
  const dw = Math.max(1, Math.round(w * scale));
  const dh = Math.max(1, Math.round(h * scale));
  const colBin = new Int32Array(w);
  const colCount = new Float32Array(dw);
  for (let x = 0; x < w; x++) {
    colBin[x] = Math.floor((x * dw) / w);
    colCount[colBin[x]!]!++;
  }
  const rowCount = new Float32Array(dh);
  for (let y = 0; y < h; y++) rowCount[Math.floor((y * dh) / h)]!++;

  const grey = new Float32Array(dw * dh);
  let alphaUsed = false;
  for (let y = 0, i = 0; y < h; y++) {
    const rowBase = Math.floor((y * dh) / h) * dw;
    for (let x = 0; x < w; x++, i += 4) {
      const a = data[i + 3]!;
      const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      let value = luma;
      if (a !== 255) {
        alphaUsed = true;
        value = (luma * a) / 255 + (255 - a);
      }
      grey[rowBase + colBin[x]!]! += value;
    }
  }
  for (let dy = 0; dy < dh; dy++) {
    for (let dx = 0; dx < dw; dx++) grey[dy * dw + dx]! /= colCount[dx]! * rowCount[dy]!;
  }
  return { grey, width: dw, height: dh, alphaUsed };
}

/**
 * The blur effect of Crété-Roffet et al. ("The Blur Effect: perception and
 * estimation with a new no-reference perceptual blur metric", SPIE 2007):
 * blur the image again and see how much of the neighbour-to-neighbour
 * variation that removes. A sharp picture loses much of it, an already
 * blurred one little. 0 is sharp, 1 is fully blurred; being a ratio, it does
 * not depend on contrast or brightness. Returns null for a flat image.
 */
export function blurEffect(grey: Float32Array, width: number, height: number): number | null {
  const reblurred = new Float32Array(width * height);
  const horizontal = axisBlur(grey, reblurred, width, height, 1, width);
  const vertical = axisBlur(grey, reblurred, height, width, width, 1);
  if (horizontal === null) return vertical;
  return vertical === null ? horizontal : Math.max(horizontal, vertical);
}

/** One axis of the blur effect: lines of `along` samples `step` apart, `across` lines `lineStep` apart. */
function axisBlur(grey: Float32Array, reblurred: Float32Array, along: number, across: number, step: number, lineStep: number): number | null {
  const half = (REBLUR_TAPS - 1) / 2;
  const last = along - 1;
  let variation = 0;
  let lost = 0;
  for (let c = 0; c < across; c++) {
    const base = c * lineStep;
    // Box filter along the line, edges clamped.
    let sum = 0;
    for (let k = -half; k <= half; k++) sum += grey[base + Math.min(last, Math.max(0, k)) * step]!;
    for (let a = 0; a < along; a++) {
      reblurred[base + a * step] = sum / REBLUR_TAPS;
      sum += grey[base + Math.min(last, a + half + 1) * step]! - grey[base + Math.max(0, a - half) * step]!;
    }
    for (let a = 1, i = base + step; a < along; a++, i += step) {
      const dF = Math.abs(grey[i]! - grey[i - step]!);
      const dB = Math.abs(reblurred[i]! - reblurred[i - step]!);
      variation += dF;
      if (dF > dB) lost += dF - dB;
    }
  }
  return variation > 0 ? (variation - lost) / variation : null;
}

/** Alpha use and sharpness in one pass over the decoded pixels. */
export function measurePixels(image: RgbaPixels): PixelFacts {
  const { grey, width, height, alphaUsed } = greyscaleCopy(image);
  if (Math.min(width, height) < MIN_MEASURED_SIDE_PX) return { alphaUsed, sharpness: null };
  const blur = blurEffect(grey, width, height);
  return {
    alphaUsed,
    sharpness: blur === null ? null : { score: Math.round((1 - blur) * 1000) / 1000, sampledWidthPx: width, sampledHeightPx: height },
  };
}
