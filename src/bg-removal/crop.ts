/**
 * Crop to subject, as remove.bg names it: `crop` cuts the output down to the
 * subject's bounding box, and `crop_margin` adds room around it, "an
 * absolute value (30px) or relative to the subject size (10%)", one value
 * for all sides, two (top/bottom, left/right) or four (top, right, bottom,
 * left), at most "50% of the subject dimensions or 500 pixels" per side.
 * Unlike remove.bg, which pads the canvas, the margin here never reaches
 * past the image: a print file gains no pixels the source did not have.
 */

/** The largest margin per side: remove.bg's limits, so a request valid there is valid here. */
export const MAX_CROP_MARGIN_PERCENT = 50;
export const MAX_CROP_MARGIN_PX = 500;

/** A rectangle in source pixels (the upright image the output is cut from). */
export interface CropBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface MarginSide {
  amount: number;
  unit: "px" | "%";
}

/** Top, right, bottom, left. */
export type CropMargin = [MarginSide, MarginSide, MarginSide, MarginSide];

const PERCENT = /^(\d{1,3}(?:\.\d{1,2})?)%$/;
const PIXELS = /^(\d{1,4})(?:px)?$/;
const GRAMMAR = 'a margin such as "10%", "30px" or "30": one value for all sides, two (top/bottom, left/right) or four (top, right, bottom, left)';

function parseSide(token: string): MarginSide | string {
  const percent = PERCENT.exec(token);
  if (percent) {
    const amount = Number(percent[1]);
    return amount <= MAX_CROP_MARGIN_PERCENT ? { amount, unit: "%" } : `"${token}" is over ${MAX_CROP_MARGIN_PERCENT}% of the subject's size`;
  }
  const pixels = PIXELS.exec(token);
  if (pixels) {
    const amount = Number(pixels[1]);
    return amount <= MAX_CROP_MARGIN_PX ? { amount, unit: "px" } : `"${token}" is over ${MAX_CROP_MARGIN_PX} px`;
  }
  return `"${token}" is not a margin`;
}

/** The margin `text` describes, or why it is not one (a validation message). */
export function parseCropMargin(text: string): CropMargin | string {
  const tokens = text.trim().split(/\s+/);
  if (tokens.length !== 1 && tokens.length !== 2 && tokens.length !== 4) return `must be ${GRAMMAR}`;
  const sides: MarginSide[] = [];
  for (const token of tokens) {
    const side = parseSide(token);
    if (typeof side === "string") return `${side}; must be ${GRAMMAR}, at most ${MAX_CROP_MARGIN_PERCENT}% or ${MAX_CROP_MARGIN_PX} px per side`;
    sides.push(side);
  }
  const [top, right = top, bottom = top, left = right] = sides as [MarginSide, ...MarginSide[]];
  return [top, right, bottom, left];
}

/** A side's margin in pixels: percentages of the subject's width (left, right) or height (top, bottom), rounded to the nearest pixel. */
function marginPixels(side: MarginSide, subjectSize: number): number {
  return side.unit === "px" ? side.amount : Math.round((side.amount * subjectSize) / 100);
}

/** The subject's box grown by the margin and clamped to the image. */
export function cropRectangle(subject: CropBox, margin: CropMargin, imageWidth: number, imageHeight: number): CropBox {
  const [top, right, bottom, left] = margin;
  const x0 = Math.max(0, subject.x - marginPixels(left, subject.width));
  const y0 = Math.max(0, subject.y - marginPixels(top, subject.height));
  const x1 = Math.min(imageWidth, subject.x + subject.width + marginPixels(right, subject.width));
  const y1 = Math.min(imageHeight, subject.y + subject.height + marginPixels(bottom, subject.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}
