import { expect } from "vitest";
import { SHARPNESS_LONG_SIDE_PX } from "../../src/preflight/raster/pixels";

/**
 * The blur effect of Crété-Roffet et al. (SPIE 2007), the measure behind the sharpness score,
 * written out plainly as a reference: a 2-D array of Rec. 601 luma, each axis re-blurred by
 * the mean of 9 neighbours along it (edge pixels repeated), and per axis the share of the
 * neighbour-to-neighbour variation D that survives the re-blur:
 * blur = (ΣD − Σmax(0, D − D_reblurred)) / ΣD. The larger axis counts; score = 1 − blur.
 * For an image no larger than 1024 px, which is measured as it is.
 */
export function referenceSharpness(image: { width: number; height: number; data: ArrayLike<number> }): number {
  const { width, height, data } = image;
  expect(Math.max(width, height)).toBeLessThanOrEqual(SHARPNESS_LONG_SIDE_PX);
  const luma: number[][] = [];
  let translucent = 0;
  for (let y = 0; y < height; y++) {
    const row: number[] = [];
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i + 3] !== 255) translucent++;
      row.push(0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!);
    }
    luma.push(row);
  }
  expect(translucent, "pixels that would need flattening onto white first").toBe(0);
  const clamp = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const at = (y: number, x: number) => luma[clamp(y, height - 1)]![clamp(x, width - 1)]!;
  const blurEffect = (dy: number, dx: number) => {
    const reblurred = (y: number, x: number) => {
      let sum = 0;
      for (let k = -4; k <= 4; k++) sum += at(y + k * dy, x + k * dx);
      return sum / 9;
    };
    let variation = 0;
    let lost = 0;
    for (let y = dy; y < height; y++) {
      for (let x = dx; x < width; x++) {
        const d = Math.abs(at(y, x) - at(y - dy, x - dx));
        const dReblurred = Math.abs(reblurred(y, x) - reblurred(y - dy, x - dx));
        variation += d;
        lost += Math.max(0, d - dReblurred);
      }
    }
    return (variation - lost) / variation;
  };
  return 1 - Math.max(blurEffect(0, 1), blurEffect(1, 0));
}
