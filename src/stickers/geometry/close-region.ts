import { exactAround, signedDistance } from "./distance-field";
import type { LevelSet } from "./level-set";

/**
 * Morphological closing by a disc, on distance fields: dilate by r (every
 * point within r of the region), then erode by r (keep the points at least
 * r from the dilation's outside). The result holds the region, fills every
 * concave turn tighter than r with an arc of radius r, and moves nothing
 * else: exactly "concave turns rounded to the blade's radius, the line only
 * moving outwards".
 */

/**
 * The erosion half, given `distance` (px to the region, positive outside)
 * and the dilation's radius `grownPx`: the closed region of `region ⊕
 * (grownPx − rPx)` by rPx. `out` receives the distance to the dilation's
 * outside; the returned level set reads it.
 */
export function erodeDilation(distance: Float32Array, width: number, height: number, grownPx: number, rPx: number, out: Float32Array, rows: Uint16Array): LevelSet {
  // The outside of the dilation is where the distance reaches grownPx: measure from it.
  signedDistance({ values: distance, width, height, level: grownPx, insideAbove: true }, out, rows, exactAround(rPx));
  return { values: out, width, height, level: rPx, insideAbove: true };
}

/** The closing of a region by a disc of radius rPx. `temp` must not be the region's buffer; `out` may be (it is written after the region was last read). */
export function closeRegion(region: LevelSet, rPx: number, temp: Float32Array, out: Float32Array, rows: Uint16Array): LevelSet {
  signedDistance(region, temp, rows, exactAround(rPx));
  return erodeDilation(temp, region.width, region.height, rPx, rPx, out, rows);
}
