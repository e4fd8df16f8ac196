import { MM_PER_INCH } from "../preflight/issues";
import { BandBuffer, BYTES_PER_PIXEL, rowsPerBand, type RasterStage, type RowBand } from "../imaging/raster-stream";

/**
 * `add_bleed` for rasters: every side grows by `bleedPixels(mm, ppi)` pixels
 * filled with the image mirrored at its edge.
 *
 * Mirror without repeating the edge pixel ("reflect-101": the pixel at −1
 * is the pixel at 1, −2 is 2, …). Repeating it (−1 ↦ 0) would print the
 * edge row and column twice, a visible 2-pixel flat line along the trim
 * wherever the edge has detail; reflect-101 keeps the gradient across the
 * trim continuous, so a cut a little outside the trim looks like the image
 * ran on. A bleed wider than the image keeps reflecting back and forth.
 *
 * Streaming: the top bleed mirrors rows 1…b and the bottom bleed rows
 * H−2…H−1−b, so only the first b+1 rows (until the top is written) and the
 * last b+1 rows are held; every other row passes straight through.
 */

const OUTPUT_BAND_BYTES = 2 * 1024 * 1024;

/** Bleed in pixels for a print resolution in pixels per inch. */
export function bleedPixels(bleedMm: number, ppi: number): number {
  return Math.round((bleedMm / MM_PER_INCH) * ppi);
}

/** Reflect-101 of index i into 0…n−1. */
export function mirrorIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period;
  return m < n ? m : period - m;
}

export function addRasterBleed(bleedPx: number): RasterStage {
  if (!Number.isInteger(bleedPx) || bleedPx < 0) throw new RangeError(`bleed must be a whole number of pixels ≥ 0, not ${bleedPx}`);
  return (input) => {
    if (bleedPx === 0) return input;
    const { width, height, hasAlpha } = input.info;
    const b = bleedPx;
    const outWidth = width + 2 * b;
    const outHeight = height + 2 * b;
    const rowBytes = width * BYTES_PER_PIXEL;
    const outRowBytes = outWidth * BYTES_PER_PIXEL;
    // Rows 0…lastHeadRow feed the top bleed; the last tailRows rows feed the bottom.
    const reach = Math.min(b, height - 1);
    const lastHeadRow = reach;
    const tailRows = reach + 1;
    let head: Uint8ClampedArray | undefined = new Uint8ClampedArray((lastHeadRow + 1) * rowBytes);
    const tail = new Uint8ClampedArray(tailRows * rowBytes);
    const out = new BandBuffer(outRowBytes);
    const bandRows = rowsPerBand(outWidth, OUTPUT_BAND_BYTES);
    const leftFrom = Array.from({ length: b }, (_, x) => mirrorIndex(x - b, width) * BYTES_PER_PIXEL);
    const rightFrom = Array.from({ length: b }, (_, x) => mirrorIndex(width + x, width) * BYTES_PER_PIXEL);

    return {
      info: { width: outWidth, height: outHeight, hasAlpha },
      retainedBytes: () => (head?.byteLength ?? 0) + tail.byteLength + out.byteLength,
      bands: (async function* (): AsyncGenerator<RowBand> {
        let band = out.rows(Math.min(bandRows, outHeight));
        let bandStart = 0;
        let written = 0;

        function* emit(row: Uint8ClampedArray): Generator<RowBand> {
          const at = (written - bandStart) * outRowBytes;
          band.set(row, at + b * BYTES_PER_PIXEL);
          for (let x = 0; x < b; x++) {
            copyPixel(row, leftFrom[x]!, band, at + x * BYTES_PER_PIXEL);
            copyPixel(row, rightFrom[x]!, band, at + (b + width + x) * BYTES_PER_PIXEL);
          }
          written++;
          if (written - bandStart === bandRows || written === outHeight) {
            yield { y: bandStart, width: outWidth, height: written - bandStart, rows: band };
            bandStart = written;
            band = out.rows(Math.min(bandRows, outHeight - bandStart));
          }
        }
        const headRow = (r: number) => head!.subarray(r * rowBytes, (r + 1) * rowBytes);
        const tailRow = (r: number) => tail.subarray((r % tailRows) * rowBytes, ((r % tailRows) + 1) * rowBytes);

        let received = 0;
        for await (const chunk of input.bands) {
          for (let r = 0; r < chunk.height; r++, received++) {
            if (received === height) throw new Error(`The bleed stage's input has more than its declared ${height} rows.`);
            const row = chunk.rows.subarray(r * rowBytes, (r + 1) * rowBytes);
            tail.set(row, (received % tailRows) * rowBytes);
            if (received < lastHeadRow) {
              head!.set(row, received * rowBytes);
            } else if (received === lastHeadRow) {
              head!.set(row, received * rowBytes);
              for (let y = -b; y < 0; y++) yield* emit(headRow(mirrorIndex(y, height)));
              for (let y = 0; y <= lastHeadRow; y++) yield* emit(headRow(y));
              head = undefined;
            } else {
              yield* emit(row);
            }
          }
        }
        if (received !== height) throw new Error(`The bleed stage received ${received} of ${height} rows.`);
        for (let y = height; y < height + b; y++) yield* emit(tailRow(mirrorIndex(y, height)));
      })(),
    };
  };
}

function copyPixel(src: Uint8ClampedArray, from: number, dst: Uint8ClampedArray, to: number): void {
  dst[to] = src[from]!;
  dst[to + 1] = src[from + 1]!;
  dst[to + 2] = src[from + 2]!;
  dst[to + 3] = src[from + 3]!;
}
