import { bilinearTap } from "./matte";

/**
 * The model's input: the image stretched to N×N (bilinear, as the model was
 * trained), normalised per channel as (value − mean) / std, planar RGB.
 * Sampled straight from the full-size RGBA, so no resized copy is made.
 */
export function toModelInput(image: { data: Uint8ClampedArray | Uint8Array; width: number; height: number }, size: number, mean: number[], std: number[]): Float32Array {
  const input = new Float32Array(3 * size * size);
  const plane = size * size;
  const sx = image.width / size;
  const sy = image.height / size;
  for (let y = 0; y < size; y++) {
    const [y0, y1, wy] = bilinearTap(y, sy, image.height);
    for (let x = 0; x < size; x++) {
      const [x0, x1, wx] = bilinearTap(x, sx, image.width);
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => image.data[(yy * image.width + xx) * 4 + c]!;
        const v = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
        input[c * plane + y * size + x] = (v - mean[c]!) / std[c]!;
      }
    }
  }
  return input;
}
