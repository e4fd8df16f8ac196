import { BandBuffer, BYTES_PER_PIXEL, rowsPerBand, type RasterStage, type RowBand } from "../imaging/raster-stream";

/**
 * `sharpen_edges`: unsharp mask, out = in + amount · (in − gaussian(in, σ)),
 * on R, G and B (alpha untouched), as a streaming stage that keeps only the
 * 2·⌈3σ⌉ + 1 rows the vertical blur reaches.
 *
 * Parameters scale with the image so the same fix means the same thing on
 * a phone photo and on its 4× upscale (see `sharpenParamsFor`).
 *
 * Halo control: the result is clamped to the range of the pixel's 3×3
 * neighbourhood in the input, widened by `haloLevels`. Unsharp masking
 * steepens an edge and overshoots on both sides of it; the clamp keeps the
 * steepening (an edge pixel may move anywhere between its neighbours) but
 * caps the overshoot, so next to a step between two flat areas no output
 * value lies more than `haloLevels` beyond either side.
 */

export interface SharpenParams {
  /** Gaussian σ of the blur, in pixels. */
  readonly sigma: number;
  /** Weight of the detail (in − blur) added back. */
  readonly amount: number;
  /** Differences smaller than this many levels are left alone, so flat areas and noise are not grained up. */
  readonly threshold: number;
  /** Largest overshoot beyond the 3×3 neighbourhood's range, in levels. */
  readonly haloLevels: number;
}

const MIN_SIGMA_PX = 0.5;
const MAX_SIGMA_PX = 2;
/** Long side (px) per pixel of σ: 0.5 px at 1200 px, 1 px at 2400 px, 2 px from 4800 px up. */
const LONG_SIDE_PER_SIGMA_PX = 2400;
const OUTPUT_BAND_BYTES = 2 * 1024 * 1024;

/**
 * σ = clamp(longSide / 2400, 0.5, 2) px: detail spans more pixels as an
 * image gets larger (especially after an upscale, whose edges are spread
 * over 2–4× as many pixels), and 2 px caps the cost and the visible halo
 * width on very large outputs. Amount 1.2, threshold 2 levels and a halo
 * bound of 8 levels hold for every size.
 */
export function sharpenParamsFor(width: number, height: number): SharpenParams {
  const sigma = Math.min(MAX_SIGMA_PX, Math.max(MIN_SIGMA_PX, Math.max(width, height) / LONG_SIDE_PER_SIGMA_PX));
  return { sigma, amount: 1.2, threshold: 2, haloLevels: 8 };
}

export function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const weights = new Float32Array(radius + 1);
  let sum = 0;
  for (let k = 0; k <= radius; k++) {
    const w = Math.exp(-(k * k) / (2 * sigma * sigma));
    weights[k] = w;
    sum += k === 0 ? w : 2 * w;
  }
  for (let k = 0; k <= radius; k++) weights[k] = weights[k]! / sum;
  // Half a symmetric kernel: weights[k] applies at offsets +k and −k.
  return weights;
}

export function sharpenEdges(params?: SharpenParams): RasterStage {
  return (input) => {
    const { width, height } = input.info;
    const { sigma, amount, threshold, haloLevels } = params ?? sharpenParamsFor(width, height);
    const kernel = gaussianKernel(sigma);
    const radius = kernel.length - 1;
    const ringRows = 2 * radius + 1;
    const rowLength = width * BYTES_PER_PIXEL;
    const blurLength = width * 3;
    // Ring buffers indexed by image row modulo ringRows: the input rows, their
    // horizontal blur (R, G, B only) and their horizontal 3-pixel minimum and maximum.
    const source = new Uint8ClampedArray(ringRows * rowLength);
    const blurred = new Float32Array(ringRows * blurLength);
    const rowMin = new Uint8ClampedArray(ringRows * rowLength);
    const rowMax = new Uint8ClampedArray(ringRows * rowLength);
    const column = new Float32Array(blurLength);
    const out = new BandBuffer(rowLength);
    const bandRows = rowsPerBand(width, OUTPUT_BAND_BYTES);
    const ringBytes = source.byteLength + blurred.byteLength + rowMin.byteLength + rowMax.byteLength + column.byteLength;

    const ringRow = (row: number) => Math.min(height - 1, Math.max(0, row)) % ringRows;
    const slot = (row: number) => ringRow(row) * rowLength;
    const blurSlot = (row: number) => ringRow(row) * blurLength;

    const sharpenRow = (y: number, dst: Uint8ClampedArray, at: number) => {
      // Locals, so the hot loops index plain typed arrays.
      const blur = blurred;
      const col = column;
      const mins = rowMin;
      const maxs = rowMax;
      const src = source;
      const w0 = kernel[0]!;
      const middle = blurSlot(y);
      for (let i = 0; i < blurLength; i++) col[i] = w0 * blur[middle + i]!;
      for (let k = 1; k <= radius; k++) {
        const above = blurSlot(y - k);
        const below = blurSlot(y + k);
        const wk = kernel[k]!;
        for (let i = 0; i < blurLength; i++) col[i] = col[i]! + wk * (blur[above + i]! + blur[below + i]!);
      }
      const centre = slot(y);
      const up = slot(y - 1);
      const down = slot(y + 1);
      for (let i = 0, j = 0; i < rowLength; i += 4, j += 3) {
        for (let c = i, d = j; c < i + 3; c++, d++) {
          const original = src[centre + c]!;
          const detail = original - col[d]!;
          if (detail < threshold && detail > -threshold) {
            dst[at + c] = original;
            continue;
          }
          const value = original + amount * detail;
          // The centre row's range is inside the 3×3 range: only a value outside it needs the other two rows.
          let lo = mins[centre + c]! - haloLevels;
          let hi = maxs[centre + c]! + haloLevels;
          if (value < lo || value > hi) {
            lo = Math.min(lo, mins[up + c]! - haloLevels, mins[down + c]! - haloLevels);
            hi = Math.max(hi, maxs[up + c]! + haloLevels, maxs[down + c]! + haloLevels);
          }
          dst[at + c] = value < lo ? lo : value > hi ? hi : value;
        }
        dst[at + i + 3] = src[centre + i + 3]!;
      }
    };

    return {
      info: input.info,
      retainedBytes: () => ringBytes + out.byteLength,
      bands: (async function* (): AsyncGenerator<RowBand> {
        let received = 0;
        let emitted = 0;
        let band = out.rows(Math.min(bandRows, height));
        let bandStart = 0;

        // Emits every row whose vertical window is complete; yields full bands.
        function* drain(upTo: number): Generator<RowBand> {
          for (; emitted < upTo; emitted++) {
            sharpenRow(emitted, band, (emitted - bandStart) * rowLength);
            if (emitted + 1 - bandStart === bandRows || emitted + 1 === height) {
              yield { y: bandStart, width, height: emitted + 1 - bandStart, rows: band };
              bandStart = emitted + 1;
              band = out.rows(Math.min(bandRows, height - bandStart));
            }
          }
        }

        for await (const chunk of input.bands) {
          for (let r = 0; r < chunk.height; r++, received++) {
            if (received === height) throw new Error(`The sharpen stage's input has more than its declared ${height} rows.`);
            const at = slot(received);
            const row = chunk.rows.subarray(r * rowLength, (r + 1) * rowLength);
            source.set(row, at);
            blurRow(row, blurred, blurSlot(received), width, kernel);
            minMaxRow(row, rowMin, rowMax, at, width);
            yield* drain(Math.max(0, received + 1 - radius));
          }
        }
        if (received !== height) throw new Error(`The sharpen stage received ${received} of ${height} rows.`);
        yield* drain(height);
      })(),
    };
  };
}

/** Horizontal half of the separable Gaussian into R, G, B floats; edge pixels repeated. */
function blurRow(row: Uint8ClampedArray, dst: Float32Array, at: number, width: number, kernel: Float32Array): void {
  const radius = kernel.length - 1;
  const w0 = kernel[0]!;
  const last = width - 1;
  for (let x = 0; x < width; x++) {
    const i = x * 4;
    let r = w0 * row[i]!;
    let g = w0 * row[i + 1]!;
    let b = w0 * row[i + 2]!;
    if (x >= radius && x <= last - radius) {
      for (let k = 1, o = 4; k <= radius; k++, o += 4) {
        const wk = kernel[k]!;
        r += wk * (row[i - o]! + row[i + o]!);
        g += wk * (row[i - o + 1]! + row[i + o + 1]!);
        b += wk * (row[i - o + 2]! + row[i + o + 2]!);
      }
    } else {
      for (let k = 1; k <= radius; k++) {
        const wk = kernel[k]!;
        const left = Math.max(0, x - k) * 4;
        const right = Math.min(last, x + k) * 4;
        r += wk * (row[left]! + row[right]!);
        g += wk * (row[left + 1]! + row[right + 1]!);
        b += wk * (row[left + 2]! + row[right + 2]!);
      }
    }
    const o = at + x * 3;
    dst[o] = r;
    dst[o + 1] = g;
    dst[o + 2] = b;
  }
}

function minMaxRow(row: Uint8ClampedArray, mins: Uint8ClampedArray, maxs: Uint8ClampedArray, at: number, width: number): void {
  const last = width - 1;
  for (let x = 0; x < width; x++) {
    const l = Math.max(0, x - 1) * 4;
    const m = x * 4;
    const r = Math.min(last, x + 1) * 4;
    for (let c = 0; c < 3; c++) {
      const a = row[l + c]!;
      const b = row[m + c]!;
      const d = row[r + c]!;
      mins[at + m + c] = a < b ? (a < d ? a : d) : b < d ? b : d;
      maxs[at + m + c] = a > b ? (a > d ? a : d) : b > d ? b : d;
    }
  }
}
