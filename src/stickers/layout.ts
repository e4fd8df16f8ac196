/**
 * Where a sticker's artwork lands on its print grid. Everything is placed on
 * one grid of output pixels (dpi): the artwork's box (its alpha ≥ 50 %),
 * scaled so that box plus the border on both sides is `size_inches` long,
 * with room around it for the border, bleed and rounding. The cut line's
 * bounding box is the artwork's box grown by the border (a closing or a
 * bridge between pieces never leaves the convex hull of the grown shape), so
 * the scale is known before the line is traced.
 */

/** A box in pixels: [x0, x1) × [y0, y1). */
export interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export interface StickerLayout {
  /** Output pixels per source pixel. */
  scale: number;
  /** Where the source's (0, 0) falls on the grid: output x = originX + source x × scale. */
  originX: number;
  originY: number;
  /** The grid, in output pixels: the artwork's box with `pad` around it. */
  gridWidth: number;
  gridHeight: number;
  pxPerMm: number;
}

export const MM_PER_INCH = 25.4;

/** Largest mask the cut line is traced on; a finer print grid is traced at a whole fraction of it (src/stickers/geometry/). */
export const MAX_TRACE_PIXELS = 4_000_000;

/** The box of alpha ≥ 128 in an alpha plane, or null when nothing is that opaque. */
export function opaqueBox(alpha: Uint8Array, width: number, height: number): PixelBox | null {
  let x0 = width;
  let y0 = height;
  let x1 = 0;
  let y1 = 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (alpha[row + x]! < 128) continue;
      if (x < x0) x0 = x;
      if (x >= x1) x1 = x + 1;
      if (y < y0) y0 = y;
      y1 = y + 1;
    }
  }
  return x1 > x0 ? { x0, y0, x1, y1 } : null;
}

/**
 * The layout of an artwork whose box is `box` in source pixels: scaled so
 * its long side is `size_inches` less two borders, with `padPx` output
 * pixels on every side of it.
 */
export function layoutSticker(box: PixelBox, options: { sizeInches: number; dpi: number; borderMm: number; padPx: number }): StickerLayout {
  const pxPerMm = options.dpi / MM_PER_INCH;
  const artworkMm = options.sizeInches * MM_PER_INCH - 2 * options.borderMm;
  const longSide = Math.max(box.x1 - box.x0, box.y1 - box.y0);
  const scale = (artworkMm * pxPerMm) / longSide;
  const pad = Math.ceil(options.padPx);
  return {
    scale,
    originX: pad - box.x0 * scale,
    originY: pad - box.y0 * scale,
    gridWidth: Math.ceil((box.x1 - box.x0) * scale) + 2 * pad,
    gridHeight: Math.ceil((box.y1 - box.y0) * scale) + 2 * pad,
    pxPerMm,
  };
}

/** The whole number of output pixels per trace pixel that keeps the traced mask within MAX_TRACE_PIXELS. */
export function traceFactor(layout: Pick<StickerLayout, "gridWidth" | "gridHeight">, maxPixels = MAX_TRACE_PIXELS): number {
  return Math.max(1, Math.ceil(Math.sqrt((layout.gridWidth * layout.gridHeight) / maxPixels)));
}

/**
 * The artwork's alpha on the trace grid (`factor` output pixels a cell),
 * sampled bilinearly from a plane that covers the whole source (the job's
 * guide matte, `planeWidth` × `planeHeight` for a `sourceWidth` ×
 * `sourceHeight` source) at each cell's centre; 0 outside the source.
 */
export function traceMask(
  plane: Uint8Array,
  planeWidth: number,
  planeHeight: number,
  source: { width: number; height: number },
  layout: StickerLayout,
  factor: number,
): { alpha: Uint8Array; width: number; height: number; mmPerPx: number } {
  const width = Math.ceil(layout.gridWidth / factor);
  const height = Math.ceil(layout.gridHeight / factor);
  const alpha = new Uint8Array(width * height);
  // Plane coordinates of each column's and row's centre: output → source → plane, pixel centres at +½.
  const toPlaneX = planeWidth / source.width / layout.scale;
  const toPlaneY = planeHeight / source.height / layout.scale;
  const xs = new Float64Array(width);
  for (let i = 0; i < width; i++) xs[i] = ((i + 0.5) * factor - layout.originX) * toPlaneX - 0.5;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= planeWidth || y >= planeHeight ? 0 : plane[y * planeWidth + x]!);
  for (let j = 0; j < height; j++) {
    const py = ((j + 0.5) * factor - layout.originY) * toPlaneY - 0.5;
    if (py <= -1 || py >= planeHeight) continue;
    const y0 = Math.floor(py);
    const wy = py - y0;
    for (let i = 0; i < width; i++) {
      const px = xs[i]!;
      if (px <= -1 || px >= planeWidth) continue;
      const x0 = Math.floor(px);
      const wx = px - x0;
      const top = at(x0, y0) * (1 - wx) + at(x0 + 1, y0) * wx;
      const bottom = at(x0, y0 + 1) * (1 - wx) + at(x0 + 1, y0 + 1) * wx;
      alpha[j * width + i] = Math.round(top * (1 - wy) + bottom * wy);
    }
  }
  return { alpha, width, height, mmPerPx: factor / layout.pxPerMm };
}
