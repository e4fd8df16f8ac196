import { PngStreamEncoder, type PngSink } from "../imaging/png-stream";
import { yieldToRuntime } from "../platform/yield";
import { clamp255, type Rgba } from "./matte";
import { release } from "../imaging/release";

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

/** Rows per strip: about 512 KB of output at a time, so a strip never costs more than a rounding error of memory. */
const STRIP_BYTES = 512 * 1024;

/**
 * Composites rows [y0, y1) into `out` (RGBA for a transparent output, RGB
 * over white). Edge pixels are decontaminated first: their colour is a mix
 * C = a·F + (1−a)·B of foreground F and old background B, so
 * F = (C − (1−a)·B)/a removes the halo of the old background that would
 * otherwise ring the subject. Fully transparent pixels are written as 0,0,0,0:
 * their colour is invisible, and the old background left in them would only
 * make the file larger.
 */
function compositeRows(
  image: Rgba,
  alpha: Uint8Array,
  background: { grid: Float32Array; gw: number; gh: number },
  y0: number,
  y1: number,
  white: boolean,
  out: Uint8Array,
): void {
  const { grid, gw, gh } = background;
  const { data, width, height } = image;
  const channels = white ? 3 : 4;
  for (let y = y0, o = 0; y < y1; y++) {
    const cy = Math.min(gh - 1, Math.floor((y * gh) / height));
    for (let x = 0; x < width; x++, o += channels) {
      const k = y * width + x;
      const i = k * 4;
      let r = data[i]!;
      let g = data[i + 1]!;
      let b = data[i + 2]!;
      const a = alpha[k]! / 255;
      if (a > 0 && a < 1) {
        const c = (cy * gw + Math.min(gw - 1, Math.floor((x * gw) / width))) * 3;
        // Below 10 % coverage the estimate is unstable and the pixel is nearly invisible anyway.
        const weight = Math.max(a, 0.1);
        r = clamp255((r - (1 - weight) * grid[c]!) / weight);
        g = clamp255((g - (1 - weight) * grid[c + 1]!) / weight);
        b = clamp255((b - (1 - weight) * grid[c + 2]!) / weight);
      }
      // Keep the source's own transparency: the cut can only remove more.
      const finalAlpha = (alpha[k]! * data[i + 3]!) / 255;
      if (white) {
        const fa = finalAlpha / 255;
        out[o] = clamp255(r * fa + 255 * (1 - fa));
        out[o + 1] = clamp255(g * fa + 255 * (1 - fa));
        out[o + 2] = clamp255(b * fa + 255 * (1 - fa));
        continue;
      }
      const outAlpha = clamp255(finalAlpha);
      out[o] = outAlpha ? r : 0;
      out[o + 1] = outAlpha ? g : 0;
      out[o + 2] = outAlpha ? b : 0;
      out[o + 3] = outAlpha;
    }
  }
}

/**
 * Writes the cut-out as a PNG to `sink`, strip by strip: composited rows go
 * straight into the streaming encoder, so no full-size output frame and no
 * whole PNG file ever exist (transparent output is RGBA; white output is
 * opaque, so RGB). Returns the file's size.
 */
export async function writeCutOutPng(image: Rgba, alpha: Uint8Array, background: "transparent" | "white", sink: PngSink): Promise<number> {
  const grid = backgroundGrid(image, alpha);
  const white = background === "white";
  const encoder = new PngStreamEncoder(image.width, image.height, white ? 3 : 4, sink);
  const stripRows = Math.max(1, Math.floor(STRIP_BYTES / (image.width * 4)));
  const strip = new Uint8Array(stripRows * image.width * (white ? 3 : 4));
  try {
    for (let y = 0; y < image.height; y += stripRows) {
      const y1 = Math.min(image.height, y + stripRows);
      compositeRows(image, alpha, grid, y, y1, white, strip);
      await encoder.writeRows(strip.subarray(0, (y1 - y) * image.width * (white ? 3 : 4)));
      await yieldToRuntime();
    }
    await encoder.finish();
  } catch (error) {
    await encoder.abort(error).catch(() => undefined);
    throw error;
  } finally {
    release(strip);
  }
  return encoder.bytesWritten;
}
