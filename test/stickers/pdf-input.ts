import type { CutPath, Point, RectMm } from "../../src/stickers/cut-path";
import type { StickerPdfInput } from "../../src/stickers/pdf";

/**
 * A made-up sticker with known geometry, in millimetres (y down): a
 * gradient image with an opaque disc on a 96/255 background, a circle cut
 * around the disc and a rounded rectangle beside it. The canvas is
 * 144 × 108 pt, so a 72 dpi rendering has one pixel per point.
 */
export const CANVAS = { widthMm: 50.8, heightMm: 38.1 };
export const DPI = 300;
export const IMAGE_PX = { width: 600, height: 450 };
export const DISC = { cx: 20, cy: 16, r: 10 };
export const CUT_CIRCLE = { cx: 20, cy: 16, r: 13 };
export const CUT_ROUNDED_RECT = { x: 36, y: 4, width: 12, height: 22, radius: 3 };
export const BACKGROUND_ALPHA = 96;
export const PT_PER_MM = 72 / 25.4;

/** A quarter circle's Bézier control distance, 4/3 (√2 − 1) of the radius. */
const KAPPA = (4 / 3) * (Math.SQRT2 - 1);

/** Four quarter arcs, counter-clockwise on the page (clockwise in y-down numbers), from the rightmost point. */
export function circlePath(cx: number, cy: number, r: number): CutPath {
  const k = KAPPA * r;
  return {
    start: [cx + r, cy],
    segments: [
      { c1: [cx + r, cy + k], c2: [cx + k, cy + r], to: [cx, cy + r] },
      { c1: [cx - k, cy + r], c2: [cx - r, cy + k], to: [cx - r, cy] },
      { c1: [cx - r, cy - k], c2: [cx - k, cy - r], to: [cx, cy - r] },
      { c1: [cx + k, cy - r], c2: [cx + r, cy - k], to: [cx + r, cy] },
    ],
  };
}

/** Straight sides as cubics with their controls on the chord, corners as quarter arcs. */
export function roundedRectPath({ x, y, width, height, radius: r }: typeof CUT_ROUNDED_RECT): CutPath {
  const k = KAPPA * r;
  const line = (from: Point, to: Point) => ({
    c1: [from[0] + (to[0] - from[0]) / 3, from[1] + (to[1] - from[1]) / 3] as Point,
    c2: [from[0] + (2 * (to[0] - from[0])) / 3, from[1] + (2 * (to[1] - from[1])) / 3] as Point,
    to,
  });
  const [l, t, rt, b] = [x, y, x + width, y + height];
  return {
    start: [l + r, t],
    segments: [
      line([l + r, t], [rt - r, t]),
      { c1: [rt - r + k, t], c2: [rt, t + r - k], to: [rt, t + r] },
      line([rt, t + r], [rt, b - r]),
      { c1: [rt, b - r + k], c2: [rt - r + k, b], to: [rt - r, b] },
      line([rt - r, b], [l + r, b]),
      { c1: [l + r - k, b], c2: [l, b - r + k], to: [l, b - r] },
      line([l, b - r], [l, t + r]),
      { c1: [l, t + r - k], c2: [l + r - k, t], to: [l + r, t] },
    ],
  };
}

/** The bounding box of both cut lines, from the shapes (not from their Bézier controls). */
export const TRIM: RectMm = (() => {
  const left = Math.min(CUT_CIRCLE.cx - CUT_CIRCLE.r, CUT_ROUNDED_RECT.x);
  const top = Math.min(CUT_CIRCLE.cy - CUT_CIRCLE.r, CUT_ROUNDED_RECT.y);
  const right = Math.max(CUT_CIRCLE.cx + CUT_CIRCLE.r, CUT_ROUNDED_RECT.x + CUT_ROUNDED_RECT.width);
  const bottom = Math.max(CUT_CIRCLE.cy + CUT_CIRCLE.r, CUT_ROUNDED_RECT.y + CUT_ROUNDED_RECT.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
})();

/** The artwork's colour and alpha at a point in millimetres: a gradient and the disc. */
export function artworkAt(xMm: number, yMm: number): { rgb: [number, number, number]; alpha: number } {
  const rgb: [number, number, number] = [(255 * xMm) / CANVAS.widthMm, (255 * yMm) / CANVAS.heightMm, 128];
  const alpha = Math.hypot(xMm - DISC.cx, yMm - DISC.cy) <= DISC.r ? 255 : BACKGROUND_ALPHA;
  return { rgb, alpha };
}

/** The artwork composited over white paper, as a page shows it. */
export function compositeOverWhite(xMm: number, yMm: number): [number, number, number] {
  const { rgb, alpha } = artworkAt(xMm, yMm);
  return rgb.map((c) => (c * alpha + 255 * (255 - alpha)) / 255) as [number, number, number];
}

/** The image's raw rows, sampled at each pixel's centre. */
export function rasterRows(): { rgb: Uint8Array; alpha: Uint8Array } {
  const { width, height } = IMAGE_PX;
  const rgb = new Uint8Array(width * height * 3);
  const alpha = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const pixel = artworkAt(((x + 0.5) * 25.4) / DPI, ((y + 0.5) * 25.4) / DPI);
      rgb.set(pixel.rgb.map(Math.round), (y * width + x) * 3);
      alpha[y * width + x] = pixel.alpha;
    }
  }
  return { rgb, alpha };
}

export async function deflate(bytes: Uint8Array, format: "deflate" | "deflate-raw" = "deflate"): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream(format));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export async function stickerInput(options: { opaque?: boolean } = {}): Promise<StickerPdfInput & { raw: ReturnType<typeof rasterRows> }> {
  const raw = rasterRows();
  return {
    canvas: CANVAS,
    trim: TRIM,
    paths: [circlePath(CUT_CIRCLE.cx, CUT_CIRCLE.cy, CUT_CIRCLE.r), roundedRectPath(CUT_ROUNDED_RECT)],
    image: { ...IMAGE_PX, rgb: await deflate(raw.rgb), alpha: options.opaque ? null : await deflate(raw.alpha) },
    dpi: DPI,
    title: "Test sticker",
    raw,
  };
}

/** Distance in millimetres from a point to the nearer of the two cut lines (the shapes, analytically). */
export function distanceToCutMm(xMm: number, yMm: number): number {
  const circle = Math.abs(Math.hypot(xMm - CUT_CIRCLE.cx, yMm - CUT_CIRCLE.cy) - CUT_CIRCLE.r);
  const { x, y, width, height, radius } = CUT_ROUNDED_RECT;
  // Signed distance to a rounded box: the box shrunk by the radius, then the radius subtracted.
  const qx = Math.abs(xMm - (x + width / 2)) - (width / 2 - radius);
  const qy = Math.abs(yMm - (y + height / 2)) - (height / 2 - radius);
  const rect = Math.abs(Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius);
  return Math.min(circle, rect);
}

/** Points on the cut lines, in millimetres: every 1/64 turn of the circle, every millimetre of the rectangle's straight sides. */
export function pointsOnCut(): Point[] {
  const points: Point[] = [];
  for (let i = 0; i < 64; i++) {
    const angle = (i / 64) * 2 * Math.PI;
    points.push([CUT_CIRCLE.cx + CUT_CIRCLE.r * Math.cos(angle), CUT_CIRCLE.cy + CUT_CIRCLE.r * Math.sin(angle)]);
  }
  const { x, y, width, height, radius } = CUT_ROUNDED_RECT;
  for (let t = radius; t <= width - radius; t++) points.push([x + t, y], [x + t, y + height]);
  for (let t = radius; t <= height - radius; t++) points.push([x, y + t], [x + width, y + t]);
  return points;
}
