import { BYTES_PER_PIXEL, DEFAULT_BAND_BYTES, rowsPerBand, type RasterStage, type RowBand } from "./raster-stream";

/**
 * Resizes a raster stream to any size, band in, band out, with a separable
 * Lanczos-3 filter (sinc-windowed sinc, support 3) computed as ImageMagick
 * 6's `-filter Lanczos -resize WxH!` computes it (magick/resize.c,
 * ResizeImage, HorizontalFilter, VerticalFilter):
 *
 * - Output pixel x samples the source at (x + ½)/s − ½ (s = output/input
 *   size). Enlarging, the kernel keeps its support of 3 source pixels;
 *   reducing, it is stretched by 1/s (support 3/s), so it also low-passes
 *   and the reduction does not alias.
 * - Only source pixels inside the image (or crop) take part, with the
 *   weights renormalised over them: edge pixels are not replicated.
 * - With transparency, colours are weighted by alpha (ImageMagick divides by
 *   the alpha-weighted sum, its "gamma"): filtered premultiplied and divided
 *   back at the end, so the colours of transparent pixels do not bleed.
 * - The filter runs on the stored sRGB values, not linear light, as
 *   ImageMagick does on sRGB images (src/fixes/upscale.ts says why).
 *
 * Streaming: each source row is filtered horizontally (crop columns only)
 * into a ring of float rows as it arrives, and an output row is filtered
 * vertically from that ring as soon as its last source row is in. The ring
 * holds the rows one output row reaches, 2 × 3 × max(1, 1/s) + 1, so memory
 * is O(output width × support) whatever the image's height.
 *
 * ImageMagick's non-HDRI builds (Debian's) clamp the image between the two
 * passes, and run the horizontal pass first only when x grows more than y.
 * Here the horizontal pass always comes first (that is what streams), and
 * its result is clamped only when ImageMagick's intermediate is that same
 * one. Against ImageMagick's 16-bit output: within one level where it also
 * goes horizontal first, 58–80 dB elsewhere, on hard edges and ringing only
 * (clamping there too measured up to 2 dB worse).
 */

export interface ResampleTarget {
  readonly width: number;
  readonly height: number;
}

export interface ResampleCrop {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface ResampleOptions {
  /** Source rectangle to resize, as if cropped first: pixels outside it never reach the filter. */
  readonly crop?: ResampleCrop;
  /** Bytes of RGBA one output band aims at (default 1 MiB). */
  readonly bandBytes?: number;
}

/** Lanczos-3: three lobes of sinc under the central lobe of a sinc three times as wide. */
const LANCZOS_SUPPORT = 3;
/**
 * ImageMagick nudges each sample position and the reduction's stretch by
 * its MagickEpsilon (1e-12, magick-type.h); kept so that a source pixel
 * exactly at a support's edge is in or out as it is there.
 */
const MAGICK_EPSILON = 1e-12;
/**
 * The vertical pass, the hotter one, adds four ring rows per sweep over the
 * row of sums: a quarter of the sums' reads and writes of one at a time.
 */
const TAPS_PER_SWEEP = 4;
/** Rows an output row may reach and still be summed directly: the 6 of any enlargement (support 3 each side). */
const DIRECT_TAPS = 6;

function lanczos3(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return (LANCZOS_SUPPORT * Math.sin(px) * Math.sin(px / LANCZOS_SUPPORT)) / (px * px);
}

/** For each output index: the first source index it reads, how many, and their normalised weights (`taps` per index, zero past `count`). */
export interface Contributions {
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly weights: Float32Array;
  readonly taps: number;
}

/** One axis' contribution table, as ImageMagick's HorizontalFilter builds it per output column. */
export function computeContributions(sourceSize: number, targetSize: number): Contributions {
  const factor = targetSize / sourceSize;
  const stretch = Math.max(1 / factor + MAGICK_EPSILON, 1);
  const support = stretch * LANCZOS_SUPPORT;
  const taps = Math.ceil(Math.floor(2 * support + 3) / TAPS_PER_SWEEP) * TAPS_PER_SWEEP;
  const first = new Int32Array(targetSize);
  const count = new Int32Array(targetSize);
  const weights = new Float32Array(targetSize * taps);
  const row = new Float64Array(taps);
  for (let x = 0; x < targetSize; x++) {
    const centre = (x + 0.5) / factor + MAGICK_EPSILON;
    const start = Math.floor(Math.max(centre - support + 0.5, 0));
    const stop = Math.floor(Math.min(centre + support + 0.5, sourceSize));
    let density = 0;
    for (let i = start; i < stop; i++) density += row[i - start] = lanczos3((i - centre + 0.5) / stretch);
    const norm = density !== 0 ? 1 / density : 1;
    for (let i = start; i < stop; i++) weights[x * taps + i - start] = row[i - start]! * norm;
    first[x] = start;
    count[x] = stop - start;
  }
  return { first, count, weights, taps };
}

/**
 * A stage that resizes its input, or `crop` of it, to exactly `target`.
 * Rows above the crop are read and skipped; once the crop's last row is in,
 * the input is cancelled (its iterator's `return`, which frees a decoder)
 * or, if it has none, read to its end.
 */
export function resampleLanczos(target: ResampleTarget, options: ResampleOptions = {}): RasterStage {
  return (input) => {
    const { width: inWidth, height: inHeight, hasAlpha } = input.info;
    const crop = options.crop ?? { x: 0, y: 0, width: inWidth, height: inHeight };
    checkGeometry(target, crop, inWidth, inHeight);
    const { width: outWidth, height: outHeight } = target;
    const across = computeContributions(crop.width, outWidth);
    const down = computeContributions(crop.height, outHeight);
    let ringRows = 1;
    for (let j = 0; j < outHeight; j++) ringRows = Math.max(ringRows, down.count[j]!);
    // Opaque images carry three channels through the float passes: a quarter less work and memory.
    const channels = hasAlpha ? 4 : 3;
    const ringStride = outWidth * channels;
    const ring = new Float32Array(ringRows * ringStride);
    const sums = new Float64Array(ringStride);
    // One source row's alpha-weighted colours (crop columns), for images with transparency.
    const premultiplied = hasAlpha ? new Float32Array(crop.width * 4) : undefined;
    const outRowBytes = outWidth * BYTES_PER_PIXEL;
    const bandCapacity = Math.min(outHeight, rowsPerBand(outWidth, options.bandBytes ?? DEFAULT_BAND_BYTES));
    const bandRows = new Uint8ClampedArray(bandCapacity * outRowBytes);
    // ImageMagick filters horizontally first when x_factor > y_factor, computed as it computes them.
    const clamping = outWidth / crop.width > outHeight / crop.height;
    const low = clamping ? 0 : -Infinity;
    const high = clamping ? 255 : Infinity;

    /** Source row at byte `offset` of `rows` → ring slot `slot`. */
    const filterRowAcross = (rows: Uint8ClampedArray, offset: number, slot: number): void => {
      const { first, count, weights, taps } = across;
      let out = slot * ringStride;
      if (!premultiplied) {
        for (let x = 0; x < outWidth; x++) {
          let r = 0, g = 0, b = 0;
          const w0 = x * taps;
          const n = count[x]!;
          for (let t = 0, s = offset + first[x]! * 4; t < n; t++, s += 4) {
            const w = weights[w0 + t]!;
            r += w * rows[s]!;
            g += w * rows[s + 1]!;
            b += w * rows[s + 2]!;
          }
          ring[out++] = r < low ? low : r > high ? high : r;
          ring[out++] = g < low ? low : g > high ? high : g;
          ring[out++] = b < low ? low : b > high ? high : b;
        }
        return;
      }
      for (let x = 0, i = offset; x < crop.width * 4; x += 4, i += 4) {
        const a = rows[i + 3]!;
        const k = a / 255;
        premultiplied[x] = rows[i]! * k;
        premultiplied[x + 1] = rows[i + 1]! * k;
        premultiplied[x + 2] = rows[i + 2]! * k;
        premultiplied[x + 3] = a;
      }
      for (let x = 0; x < outWidth; x++) {
        let r = 0, g = 0, b = 0, a = 0;
        const w0 = x * taps;
        const n = count[x]!;
        for (let t = 0, s = first[x]! * 4; t < n; t++, s += 4) {
          const w = weights[w0 + t]!;
          r += w * premultiplied[s]!;
          g += w * premultiplied[s + 1]!;
          b += w * premultiplied[s + 2]!;
          a += w * premultiplied[s + 3]!;
        }
        if (clamping) {
          // ImageMagick keeps colours divided by alpha between its passes, each clamped to its range.
          const alpha = a < 0 ? 0 : a > 255 ? 255 : a;
          const k = a > 0 ? alpha / a : 0;
          r *= k;
          g *= k;
          b *= k;
          ring[out++] = r < 0 ? 0 : r > alpha ? alpha : r;
          ring[out++] = g < 0 ? 0 : g > alpha ? alpha : g;
          ring[out++] = b < 0 ? 0 : b > alpha ? alpha : b;
          ring[out++] = alpha;
        } else {
          ring[out++] = r;
          ring[out++] = g;
          ring[out++] = b;
          ring[out++] = a;
        }
      }
    };

    // The ring rows and weights of the output row being made, padded with weight 0 to DIRECT_TAPS.
    const rowAt = new Int32Array(DIRECT_TAPS);
    const weightOf = new Float64Array(DIRECT_TAPS);

    /** Output row j from the ring → `bandRows` at byte `offset`; the Uint8ClampedArray rounds and clamps. */
    const filterRowDown = (j: number, offset: number): void => {
      const { weights } = down;
      const n = down.count[j]!;
      const w0 = j * down.taps;
      const first = down.first[j]!;
      if (n <= DIRECT_TAPS) {
        for (let t = 0; t < DIRECT_TAPS; t++) {
          rowAt[t] = t < n ? ((first + t) % ringRows) * ringStride : rowAt[0]!;
          weightOf[t] = t < n ? weights[w0 + t]! : 0;
        }
        directRowDown(offset);
        return;
      }
      sums.fill(0);
      // Weights past `count` are zero, so whatever ring rows they name add nothing.
      for (let t = 0; t < n; t += TAPS_PER_SWEEP) {
        const wa = weights[w0 + t]!;
        const wb = weights[w0 + t + 1]!;
        const wc = weights[w0 + t + 2]!;
        const wd = weights[w0 + t + 3]!;
        const a = ((first + t) % ringRows) * ringStride;
        const b = ((first + t + 1) % ringRows) * ringStride;
        const c = ((first + t + 2) % ringRows) * ringStride;
        const d = ((first + t + 3) % ringRows) * ringStride;
        for (let i = 0; i < ringStride; i++) sums[i]! += wa * ring[a + i]! + wb * ring[b + i]! + wc * ring[c + i]! + wd * ring[d + i]!;
      }
      writeSums(offset);
    };

    /**
     * Up to DIRECT_TAPS rows (any enlargement, and reductions up to 1/2):
     * each sample summed at once and written out, without the row of sums
     * the sweeps read and write back. The vertical pass is most of an
     * enlargement's work (4 output rows per source row at 2×).
     */
    const directRowDown = (offset: number): void => {
      const r0 = rowAt[0]!, r1 = rowAt[1]!, r2 = rowAt[2]!, r3 = rowAt[3]!, r4 = rowAt[4]!, r5 = rowAt[5]!;
      const w0 = weightOf[0]!, w1 = weightOf[1]!, w2 = weightOf[2]!, w3 = weightOf[3]!, w4 = weightOf[4]!, w5 = weightOf[5]!;
      if (hasAlpha) {
        for (let c = 0; c < ringStride; c++) sums[c] = w0 * ring[r0 + c]! + w1 * ring[r1 + c]! + w2 * ring[r2 + c]! + w3 * ring[r3 + c]! + w4 * ring[r4 + c]! + w5 * ring[r5 + c]!;
        writeSums(offset);
        return;
      }
      for (let c = 0, o = offset; c < ringStride; c += 3, o += 4) {
        bandRows[o] = w0 * ring[r0 + c]! + w1 * ring[r1 + c]! + w2 * ring[r2 + c]! + w3 * ring[r3 + c]! + w4 * ring[r4 + c]! + w5 * ring[r5 + c]!;
        bandRows[o + 1] = w0 * ring[r0 + c + 1]! + w1 * ring[r1 + c + 1]! + w2 * ring[r2 + c + 1]! + w3 * ring[r3 + c + 1]! + w4 * ring[r4 + c + 1]! + w5 * ring[r5 + c + 1]!;
        bandRows[o + 2] = w0 * ring[r0 + c + 2]! + w1 * ring[r1 + c + 2]! + w2 * ring[r2 + c + 2]! + w3 * ring[r3 + c + 2]! + w4 * ring[r4 + c + 2]! + w5 * ring[r5 + c + 2]!;
        bandRows[o + 3] = 255;
      }
    };

    /** The row of sums → `bandRows` at byte `offset`, colours divided back by alpha. */
    const writeSums = (offset: number): void => {
      if (hasAlpha) {
        for (let c = 0, o = offset; c < ringStride; c += 4, o += 4) {
          const a = sums[c + 3]!;
          const k = a > 0 ? 255 / a : 0;
          bandRows[o] = sums[c]! * k;
          bandRows[o + 1] = sums[c + 1]! * k;
          bandRows[o + 2] = sums[c + 2]! * k;
          bandRows[o + 3] = a;
        }
        return;
      }
      for (let c = 0, o = offset; c < ringStride; c += 3, o += 4) {
        bandRows[o] = sums[c]!;
        bandRows[o + 1] = sums[c + 1]!;
        bandRows[o + 2] = sums[c + 2]!;
        bandRows[o + 3] = 255;
      }
    };

    return {
      info: { width: outWidth, height: outHeight, hasAlpha },
      retainedBytes: () => ring.byteLength + sums.byteLength + (premultiplied?.byteLength ?? 0) + bandRows.byteLength,
      bands: (async function* (): AsyncGenerator<RowBand> {
        const source = input.bands[Symbol.asyncIterator]();
        const inRowBytes = inWidth * BYTES_PER_PIXEL;
        let inputOver = false; // ended or failed: nothing to cancel
        let nextY = 0; // the next source row due from the input
        let received = 0; // crop rows filtered into the ring
        let nextOut = 0;
        let bandStart = 0;
        const band = (): RowBand => ({ y: bandStart, width: outWidth, height: nextOut - bandStart, rows: bandRows.subarray(0, (nextOut - bandStart) * outRowBytes) });
        try {
          while (received < crop.height) {
            inputOver = true;
            const step = await source.next();
            if (step.done) throw new Error(`The resample's input ended after ${nextY} of ${inHeight} rows.`);
            inputOver = false;
            const { y, width, height, rows } = step.value;
            if (y !== nextY || width !== inWidth) throw new Error(`The resample got band y=${y} ${width} px wide where row ${nextY} of a ${inWidth} px wide image was due.`);
            nextY += height;
            const to = Math.min(height, crop.y + crop.height - y);
            for (let r = Math.max(0, crop.y - y); r < to; r++) {
              filterRowAcross(rows, r * inRowBytes + crop.x * BYTES_PER_PIXEL, received % ringRows);
              received++;
              while (nextOut < outHeight && down.first[nextOut]! + down.count[nextOut]! <= received) {
                filterRowDown(nextOut, (nextOut - bandStart) * outRowBytes);
                nextOut++;
                if (nextOut - bandStart === bandCapacity) {
                  yield band();
                  bandStart = nextOut;
                }
              }
            }
            if (nextOut > bandStart) {
              yield band();
              bandStart = nextOut;
            }
          }
        } finally {
          if (!inputOver) await closeInput(source);
        }
      })(),
    };
  };
}

/** Stops a source whose remaining rows are not needed: cancels it if it can be, else reads it to its end. */
async function closeInput(source: AsyncIterator<RowBand>): Promise<void> {
  if (source.return) {
    await source.return();
    return;
  }
  while (!(await source.next()).done);
}

function checkGeometry(target: ResampleTarget, crop: ResampleCrop, width: number, height: number): void {
  const whole = (n: number) => Number.isInteger(n) && n >= 0;
  if (!whole(target.width) || !whole(target.height) || target.width < 1 || target.height < 1) {
    throw new Error(`A resample needs a target of at least 1×1 whole pixels, not ${target.width}×${target.height}.`);
  }
  if (![crop.x, crop.y, crop.width, crop.height].every(whole) || crop.width < 1 || crop.height < 1 || crop.x + crop.width > width || crop.y + crop.height > height) {
    throw new Error(`The crop ${crop.width}×${crop.height}+${crop.x}+${crop.y} does not lie within the ${width}×${height} image.`);
  }
}
