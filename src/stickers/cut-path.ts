/**
 * The cut line a sticker's files share. Units are millimetres, y grows
 * downwards, and the origin is the top-left corner of the sticker's canvas
 * (the PNG's first pixel corner): the SVG uses these numbers as they are,
 * the PDF flips y once when it writes them.
 */
export type Point = readonly [x: number, y: number];

/** One cubic Bézier segment from the previous point (a straight line has its controls on the chord). */
export interface CubicSegment {
  c1: Point;
  c2: Point;
  to: Point;
}

/** A closed contour: its last segment ends at `start`. */
export interface CutPath {
  start: Point;
  segments: CubicSegment[];
}

/** A rectangle in millimetres, top-left origin. */
export interface RectMm {
  x: number;
  y: number;
  width: number;
  height: number;
}
