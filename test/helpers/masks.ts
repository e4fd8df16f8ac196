/**
 * How a cut-out is scored against a known mask, everywhere the tests do it:
 * a pixel is in where its value is at least 128 (alpha, or a mask's grey).
 */

/** One channel of an RGBA image as a plane (3: alpha; 0: a grey mask's value). */
export function channel(image: ImageData, c: number): Uint8Array {
  const plane = new Uint8Array(image.width * image.height);
  for (let k = 0; k < plane.length; k++) plane[k] = image.data[k * 4 + c]!;
  return plane;
}

/** Intersection over union of two planes taken at ≥ 128; 1 when both are empty. */
export function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let both = 0;
  let either = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k]! >= 128;
    const y = b[k]! >= 128;
    if (x && y) both++;
    if (x || y) either++;
  }
  return either === 0 ? 1 : both / either;
}

/** The share of the pixels a mask marks (≥ 128) that `alpha` leaves transparent (< 128); null when it marks none. */
export function transparentShare(alpha: ArrayLike<number>, marked: ArrayLike<number>): number | null {
  let inside = 0;
  let clear = 0;
  for (let k = 0; k < marked.length; k++) {
    if (marked[k]! < 128) continue;
    inside++;
    if (alpha[k]! < 128) clear++;
  }
  return inside === 0 ? null : clear / inside;
}
