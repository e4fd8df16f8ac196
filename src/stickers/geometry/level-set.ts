/**
 * A region given by a scalar field sampled at pixel centres: the mask's
 * alpha, or a distance field. Sample (i, j) sits at the centre of pixel
 * (i, j), i.e. at (i + 0.5, j + 0.5) px. Between samples the field is read
 * linearly along each cell edge (marching squares), so the region's edge
 * is known to a fraction of a pixel, not only to the pixel grid.
 *
 * Everything here works on `w`, the field turned so that a sample is
 * inside exactly when w ≤ 0.
 */
export interface LevelSet {
  values: Float32Array | Uint8Array;
  width: number;
  height: number;
  level: number;
  /** Inside where value ≥ level (alpha), else where value ≤ level (distances). */
  insideAbove: boolean;
}

/** w at sample index i: ≤ 0 inside. */
export function levelValue(set: LevelSet, i: number): number {
  const v = set.values[i]!;
  return set.insideAbove ? set.level - v : v - set.level;
}

// Corners of cell (cx, cy): 0 (cx, cy), 1 (cx+1, cy), 2 (cx+1, cy+1), 3 (cx, cy+1);
// edges: 0 top (corners 0–1), 1 right (1–2), 2 bottom (3–2), 3 left (0–3).

/**
 * The isoline's pieces in one cell as directed edge pairs (from, to), two
 * entries each, walking with the inside on the left in y-down coordinates
 * (so outer contours come out clockwise on screen). `corners` has bit k set
 * when corner k is inside; `centreInside` settles the two saddle cases.
 * Returns how many segments were written into `out` (0, 1 or 2).
 */
export function cellSegments(corners: number, centreInside: boolean, out: Int8Array): number {
  switch (corners) {
    case 0:
    case 15:
      return 0;
    case 5: // corners 0 and 2 inside
      return centreInside
        ? isolate(1, false, isolate(3, false, 0, out), out) / 2
        : isolate(0, true, isolate(2, true, 0, out), out) / 2;
    case 10: // corners 1 and 3 inside
      return centreInside
        ? isolate(0, false, isolate(2, false, 0, out), out) / 2
        : isolate(1, true, isolate(3, true, 0, out), out) / 2;
    case 3: // 0 and 1 inside: top half
      return pair(1, 3, out);
    case 12: // 2 and 3: bottom half
      return pair(3, 1, out);
    case 9: // 0 and 3: left half
      return pair(0, 2, out);
    case 6: // 1 and 2: right half
      return pair(2, 0, out);
    default: {
      // One corner differs from the other three.
      const count = popCount(corners);
      const odd = count === 1 ? corners : ~corners & 15;
      const k = odd === 1 ? 0 : odd === 2 ? 1 : odd === 4 ? 2 : 3;
      return isolate(k, count === 1, 0, out) / 2;
    }
  }
}

/** The segment cutting corner k off (between edges k−1 and k); corner k is on its right walking k−1 → k. */
function isolate(k: number, cornerInside: boolean, at: number, out: Int8Array): number {
  const before = (k + 3) & 3;
  out[at] = cornerInside ? k : before;
  out[at + 1] = cornerInside ? before : k;
  return at + 2;
}

function pair(from: number, to: number, out: Int8Array): number {
  out[0] = from;
  out[1] = to;
  return 1;
}

function popCount(bits: number): number {
  return (bits & 1) + ((bits >> 1) & 1) + ((bits >> 2) & 1) + ((bits >> 3) & 1);
}

/**
 * Reads cells of one level set: which corners are inside, and where the
 * isoline crosses each edge. Coordinates are in samples (add 0.5 for pixels).
 */
export class CellReader {
  readonly segments = new Int8Array(4);
  private readonly w = new Float64Array(4);
  corners = 0;
  cx = 0;
  cy = 0;

  constructor(readonly set: LevelSet) {}

  /** Loads cell (cx, cy); returns how many segments cross it. */
  load(cx: number, cy: number): number {
    const { width } = this.set;
    const i = cy * width + cx;
    const w = this.w;
    w[0] = levelValue(this.set, i);
    w[1] = levelValue(this.set, i + 1);
    w[2] = levelValue(this.set, i + width + 1);
    w[3] = levelValue(this.set, i + width);
    this.cx = cx;
    this.cy = cy;
    const corners = (w[0]! <= 0 ? 1 : 0) | (w[1]! <= 0 ? 2 : 0) | (w[2]! <= 0 ? 4 : 0) | (w[3]! <= 0 ? 8 : 0);
    this.corners = corners;
    if (corners === 0 || corners === 15) return 0;
    return cellSegments(corners, w[0]! + w[1]! + w[2]! + w[3]! <= 0, this.segments);
  }

  /** Where the isoline crosses edge e of the loaded cell: x into out[0], y into out[1]. */
  crossing(e: number, out: Float64Array, at = 0): void {
    const w = this.w;
    // Edge e runs from corner a to corner b: 0→1, 1→2, 3→2, 0→3.
    const a = e === 1 ? 1 : e === 2 ? 3 : 0;
    const b = e === 0 ? 1 : e === 3 ? 3 : 2;
    const wa = w[a]!;
    const t = wa / (wa - w[b]!);
    const x0 = a === 1 ? 1 : 0;
    const y0 = a === 3 ? 1 : 0;
    if (e === 0 || e === 2) {
      out[at] = this.cx + x0 + t;
      out[at + 1] = this.cy + y0;
    } else {
      out[at] = this.cx + x0;
      out[at + 1] = this.cy + y0 + t;
    }
  }

  private readonly ends = new Float64Array(4);
  /**
   * After distance2: the edge of the loaded cell whose crossing is the
   * nearest point when that point is a segment's end (the isoline goes on
   * into the cell across it, which may come nearer), else −1.
   */
  exitEdge = -1;

  /** Squared distance from (px, py) (in samples) to the isoline within the loaded cell; Infinity when it has none. */
  distance2(count: number, px: number, py: number): number {
    let best = Infinity;
    this.exitEdge = -1;
    const p = this.ends;
    for (let s = 0; s < count; s++) {
      const from = this.segments[2 * s]!;
      const to = this.segments[2 * s + 1]!;
      this.crossing(from, p, 0);
      this.crossing(to, p, 2);
      const ax = p[0]!;
      const ay = p[1]!;
      const dx = p[2]! - ax;
      const dy = p[3]! - ay;
      const len2 = dx * dx + dy * dy;
      const t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
      const u = t < 0 ? 0 : t > 1 ? 1 : t;
      const ex = ax + u * dx - px;
      const ey = ay + u * dy - py;
      const d2 = ex * ex + ey * ey;
      if (d2 < best) {
        best = d2;
        this.exitEdge = t <= 0 ? from : t >= 1 ? to : -1;
      }
    }
    return best;
  }
}

export function segmentDistance2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  let t = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}
