import { clamp255, type Rgba } from "./matte";

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
 * Composites one band of the source into `out` (RGBA for a transparent
 * output, RGB over white). `rows` are the band's RGBA, `alpha` the cut's
 * alpha for the same pixels, `y0` the band's first row in an image of
 * `height` rows (the background grid is laid over the whole image), and
 * `columns` the part of each row that is written (a crop), packed. Edge
 * pixels are decontaminated first: their colour is a mix C = a·F + (1−a)·B
 * of foreground F and old background B, so F = (C − (1−a)·B)/a removes the
 * halo of the old background that would otherwise ring the subject. Fully
 * transparent pixels are written as 0,0,0,0: their colour is invisible, and
 * the old background left in them would only make the file larger.
 */
export function compositeBand(
  rows: Uint8Array | Uint8ClampedArray,
  alpha: Uint8Array,
  width: number,
  y0: number,
  height: number,
  background: { grid: Float32Array; gw: number; gh: number },
  white: boolean,
  out: Uint8Array,
  columns: { x0: number; x1: number } = { x0: 0, x1: width },
  /** `alpha` is the source's own alpha already (a cut that keeps it): not applied twice. */
  alphaIsFinal = false,
): void {
  const { grid, gw, gh } = background;
  const channels = white ? 3 : 4;
  const bandRows = alpha.length / width;
  for (let r = 0, o = 0; r < bandRows; r++) {
    const cy = Math.min(gh - 1, Math.floor(((y0 + r) * gh) / height));
    for (let x = columns.x0; x < columns.x1; x++, o += channels) {
      const k = r * width + x;
      const i = k * 4;
      let red = rows[i]!;
      let green = rows[i + 1]!;
      let blue = rows[i + 2]!;
      const a = alpha[k]! / 255;
      // A source's own alpha has no old background mixed in: its edge colours are the artwork's.
      if (a > 0 && a < 1 && !alphaIsFinal) {
        const c = (cy * gw + Math.min(gw - 1, Math.floor((x * gw) / width))) * 3;
        // Below 10 % coverage the estimate is unstable and the pixel is nearly invisible anyway.
        const weight = Math.max(a, 0.1);
        red = clamp255((red - (1 - weight) * grid[c]!) / weight);
        green = clamp255((green - (1 - weight) * grid[c + 1]!) / weight);
        blue = clamp255((blue - (1 - weight) * grid[c + 2]!) / weight);
      }
      // Keep the source's own transparency: the cut can only remove more.
      const finalAlpha = alphaIsFinal ? alpha[k]! : (alpha[k]! * rows[i + 3]!) / 255;
      if (white) {
        const fa = finalAlpha / 255;
        out[o] = clamp255(red * fa + 255 * (1 - fa));
        out[o + 1] = clamp255(green * fa + 255 * (1 - fa));
        out[o + 2] = clamp255(blue * fa + 255 * (1 - fa));
        continue;
      }
      const outAlpha = clamp255(finalAlpha);
      out[o] = outAlpha ? red : 0;
      out[o + 1] = outAlpha ? green : 0;
      out[o + 2] = outAlpha ? blue : 0;
      out[o + 3] = outAlpha;
    }
  }
}
