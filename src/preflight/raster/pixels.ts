import { pipeRaster, type RasterStream, type RowBand } from "../../imaging/raster-stream";

/**
 * What only the pixels can tell: whether any pixel is not fully opaque, and
 * how sharp the image is. One pass over the decoded RGBA, band by band,
 * builds a greyscale copy no larger than SHARPNESS_LONG_SIDE_PX on its long
 * side (area average) and notes alpha on the way; no band is needed after
 * it has been added, so a full-size frame never has to exist.
 */

/** Images are measured at most this large, so the score means blur relative to the picture, not to its pixel count. */
export const SHARPNESS_LONG_SIDE_PX = 1024;
/** Below this short side there is too little picture to judge. */
const MIN_MEASURED_SIDE_PX = 16;
/** Crété-Roffet's re-blur: a 9-tap box filter along each axis. */
const REBLUR_TAPS = 9;

export interface PixelFacts {
  alphaUsed: boolean;
  /** Null when the picture is too small or has no edges at all (a flat fill). */
  sharpness: { score: number; sampledWidthPx: number; sampledHeightPx: number } | null;
}

/**
 * Luma (Rec. 601) of the pixels as printed, transparent areas flattened
 * onto white as a printer would, summed into the cells of the small copy.
 * Rows are added top to bottom in any bands; the sums, and so the result,
 * do not depend on how the rows were split.
 */
class GreyscaleCopy {
  readonly width: number;
  readonly height: number;
  readonly grey: Float32Array;
  alphaUsed = false;
  private readonly colBin: Int32Array;
  private readonly colCount: Float32Array;
  private readonly rowCount: Float32Array;

  constructor(
    private readonly sourceWidth: number,
    private readonly sourceHeight: number,
  ) {
    const w = sourceWidth;
    const h = sourceHeight;
    const scale = Math.min(1, SHARPNESS_LONG_SIDE_PX / Math.max(w, h));
    const dw = (this.width = Math.max(1, Math.round(w * scale)));
    const dh = (this.height = Math.max(1, Math.round(h * scale)));
    this.colBin = new Int32Array(w);
    this.colCount = new Float32Array(dw);
    for (let x = 0; x < w; x++) {
      this.colBin[x] = Math.floor((x * dw) / w);
      this.colCount[this.colBin[x]!]!++;
    }
    this.rowCount = new Float32Array(dh);
    for (let y = 0; y < h; y++) this.rowCount[Math.floor((y * dh) / h)]!++;
    this.grey = new Float32Array(dw * dh);
  }

  /** Rows `y` to `y + rows - 1`, RGBA. */
  add(y: number, rows: number, data: Uint8ClampedArray | Uint8Array): void {
    const { sourceWidth: w, sourceHeight: h, width: dw, height: dh, grey, colBin } = this;
    for (let row = y, i = 0; row < y + rows; row++) {
      const rowBase = Math.floor((row * dh) / h) * dw;
      // A cell's pixels in this row are neighbours: summed here and added to the cell once (4 times fewer Float32 updates at 4242 px).
      let cell = 0;
      let sum = 0;
      for (let x = 0; x < w; x++, i += 4) {
        const bin = colBin[x]!;
        if (bin !== cell) {
          grey[rowBase + cell]! += sum;
          cell = bin;
          sum = 0;
        }
        const a = data[i + 3]!;
        const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
        if (a === 255) {
          sum += luma;
          continue;
        }
        this.alphaUsed = true;
        sum += (luma * a) / 255 + (255 - a);
      }
      grey[rowBase + cell]! += sum;
    }
  }

  /** Alpha use and sharpness, once every row was added. */
  measure(): PixelFacts {
    const { width, height, grey, alphaUsed } = this;
    for (let dy = 0; dy < height; dy++) {
      for (let dx = 0; dx < width; dx++) grey[dy * width + dx]! /= this.colCount[dx]! * this.rowCount[dy]!;
    }
    if (Math.min(width, height) < MIN_MEASURED_SIDE_PX) return { alphaUsed, sharpness: null };
    const blur = blurEffect(grey, width, height);
    return {
      alphaUsed,
      sharpness: blur === null ? null : { score: Math.round((1 - blur) * 1000) / 1000, sampledWidthPx: width, sampledHeightPx: height },
    };
  }
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

/** Alpha use and sharpness of a decoded raster, read band by band. */
export async function measureRaster(raster: RasterStream): Promise<PixelFacts> {
  const copy = new GreyscaleCopy(raster.info.width, raster.info.height);
  await pipeRaster(raster, [], {
    start: () => {},
    write: (band: RowBand) => copy.add(band.y, band.height, band.rows),
    finish: () => {},
  });
  return copy.measure();
}
