import initResizeWasm, { resize as resizeRgba, type InitOutput } from "@jsquash/resize/lib/resize/pkg/squoosh_resize.js";
import { RESIZE_WASM } from "../../wasm/resize";
import { release } from "../imaging/release";
import { BYTES_PER_PIXEL, type RasterStage, type RowBand } from "../imaging/raster-stream";

/**
 * `upscale_resolution_2x` / `_4x`: Lanczos-3 (sinc-windowed sinc, support
 * 3) from @jsquash/resize, whose wasm is the `resize` crate 0.3 as Squoosh
 * builds it.
 *
 * Gamma: the filter runs on the stored sRGB values (`linearRGB` off), as
 * ImageMagick's `-filter Lanczos -resize 200%` does on an sRGB image, so
 * outputs match ImageMagick's, the reference print shops compare against
 * (PSNR ≈ 50–51 dB, test/fixes/upscale.test.ts). Linear light changes how
 * contrasty edges ring and lands 8–16 dB further from ImageMagick there.
 * Alpha: colours are premultiplied only when the image has transparency;
 * an opaque image skips the float round trip.
 *
 * Strips: the resize runs on horizontal strips of source rows with 3 rows
 * of overlap on each side. For a 2× or 4× enlargement the crate maps
 * output row j to source position (j + ½)/s − ½ and weights source rows
 * within ±3 of it, renormalised over the rows that exist. An output row
 * whose window lies inside the strip therefore sees the same rows with the
 * same weights as in a whole-frame resize (1/s is exact in binary floating
 * point), and only those rows are kept: the result is pixel-identical to a
 * whole-frame resize (tested), and at an image edge the strip edge is the
 * image edge, so the renormalisation matches there too.
 */

export type UpscaleFactor = 2 | 4;

const LANCZOS3_METHOD = 3;
const LANCZOS3_SUPPORT_ROWS = 3;
/**
 * Core output bytes one strip aims at. The crate keeps a float intermediate
 * of 4/s bytes per output byte, so the resize wasm heap is about 6 bytes per
 * byte of strip (24 MB at 4 MiB). 2 MiB keeps it near 12 MB: a 25 MP
 * progressive JPEG's decoder holds 73 MB of coefficients beside it, and at
 * 4 MiB the isolate peaked at 128 MB after collection (bench/RESULTS.md).
 * The 2×3 overlap rows then cost 8–40 % extra work depending on the width.
 */
const STRIP_OUTPUT_BYTES = 2 * 1024 * 1024;
const MIN_STRIP_ROWS = 16;
const MAX_STRIP_ROWS = 256;

// Module scope: the instantiated resize wasm, created once per isolate from
// the precompiled module (Workers cannot compile wasm at run time).
let resizeReady: Promise<InitOutput> | undefined;
let resizeExports: InitOutput | undefined;

async function ensureResize(): Promise<void> {
  resizeExports ??= await (resizeReady ??= initResizeWasm(RESIZE_WASM));
}

/** Size of the resize wasm's linear memory: it grows to the largest strip and never shrinks. */
export function resizeHeapBytes(): number {
  return resizeExports?.memory.buffer.byteLength ?? 0;
}

export function defaultStripRows(width: number, scale: UpscaleFactor): number {
  const bytesPerSourceRow = width * scale * BYTES_PER_PIXEL * scale;
  return Math.min(MAX_STRIP_ROWS, Math.max(MIN_STRIP_ROWS, Math.floor(STRIP_OUTPUT_BYTES / bytesPerSourceRow)));
}

export function upscaleLanczos(scale: UpscaleFactor, options: { stripRows?: number } = {}): RasterStage {
  return (input) => {
    const { width, height, hasAlpha } = input.info;
    const outWidth = width * scale;
    const stripRows = Math.max(1, options.stripRows ?? defaultStripRows(width, scale));
    const overlap = LANCZOS3_SUPPORT_ROWS;
    const rowBytes = width * BYTES_PER_PIXEL;
    const outRowBytes = outWidth * BYTES_PER_PIXEL;
    // Source rows [windowStart, windowStart + windowRows) of the current strip, overlap included.
    const window = new Uint8ClampedArray(Math.min(height, stripRows + 2 * overlap) * rowBytes);
    let windowStart = 0;
    let windowRows = 0;
    let lastOutput: Uint8ClampedArray | undefined;

    return {
      info: { width: outWidth, height: height * scale, hasAlpha },
      retainedBytes: () => window.byteLength + (lastOutput?.byteLength ?? 0),
      bands: (async function* (): AsyncGenerator<RowBand> {
        await ensureResize();
        let coreStart = 0;
        const windowEnd = () => Math.min(height, coreStart + stripRows + overlap);

        const resizeStrip = (): RowBand => {
          const coreEnd = Math.min(height, coreStart + stripRows);
          // The receiver is done with the previous strip: free it before the
          // next one is allocated (hundreds of 4 MB strips would otherwise
          // pile up as garbage between collections).
          release(lastOutput);
          lastOutput = undefined;
          const output = resizeRgba(
            new Uint8Array(window.buffer, 0, windowRows * rowBytes),
            width,
            windowRows,
            outWidth,
            windowRows * scale,
            LANCZOS3_METHOD,
            hasAlpha,
            false,
          );
          lastOutput = output;
          const first = (coreStart - windowStart) * scale;
          const rows = (coreEnd - coreStart) * scale;
          const band = { y: coreStart * scale, width: outWidth, height: rows, rows: output.subarray(first * outRowBytes, (first + rows) * outRowBytes) };
          // Keep the rows the next strip's overlap reaches back to.
          coreStart = coreEnd;
          const keepFrom = Math.max(0, coreStart - overlap);
          const dropped = keepFrom - windowStart;
          window.copyWithin(0, dropped * rowBytes, windowRows * rowBytes);
          windowRows -= dropped;
          windowStart = keepFrom;
          return band;
        };

        for await (const band of input.bands) {
          let offset = 0;
          while (offset < band.height) {
            const take = Math.min(windowEnd() - (windowStart + windowRows), band.height - offset);
            if (take <= 0) throw new Error(`The upscale's input has more than its declared ${height} rows.`);
            window.set(band.rows.subarray(offset * rowBytes, (offset + take) * rowBytes), windowRows * rowBytes);
            windowRows += take;
            offset += take;
            // Near the bottom several strips can share the last window: emit each.
            while (coreStart < height && windowStart + windowRows === windowEnd()) yield resizeStrip();
          }
        }
        if (coreStart !== height) throw new Error(`The upscale's input ended after ${windowStart + windowRows} of ${height} rows.`);
      })(),
    };
  };
}
