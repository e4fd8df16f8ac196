// What the quality peers (quality.mjs, eval-set.mjs) measure masks with.
import sharp from "sharp";

/** One channel of a PNG (alpha added as opaque when missing): 3 is the alpha, 0 a grey mask's value. */
export async function plane(png, channel) {
  const { data, info } = await sharp(png).ensureAlpha().extractChannel(channel).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** IoU of two masks taken at ≥ 128; 1 when both are empty. */
export function iou(a, b) {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] >= 128;
    const y = b[i] >= 128;
    if (x && y) both++;
    if (x || y) either++;
  }
  return either === 0 ? 1 : both / either;
}
