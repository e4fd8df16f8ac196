import { describe, expect, it } from "vitest";
import { cutLengthMm, requiredPaddingPx, traceCutLine, type ArtworkMask, type CutGeometry, type CutLineOptions } from "../../src/stickers/geometry";
import { area, box, crossingCount, disc, drawMask, encloses, ring, ringWithGap, samplePath, star, union, type Shape } from "./shapes";

/**
 * The cut line against analytic geometry: shapes drawn anti-aliased into
 * masks (test/stickers/shapes.ts), every traced Bézier sampled and each
 * sample's distance to the shape compared with what the issue asks for
 * (border_mm outside the artwork within ±0.25 mm, concave turns rounded to
 * min_radius_mm by moving outwards only).
 */
const TOLERANCE_MM = 0.25;
const OPTIONS: CutLineOptions = { borderMm: 2, minRadiusMm: 1, bleedMm: 1.5, singlePiece: true };

function trace(shape: Shape, widthMm: number, heightMm: number, options: Partial<CutLineOptions> = {}): CutGeometry {
  const geometry = traceCutLine(drawMask(shape, widthMm, heightMm), { ...OPTIONS, ...options });
  expectClosedAndSimple(geometry);
  return geometry;
}

/** Every path ends exactly on its start, and no edge of the flattened paths meets another. */
function expectClosedAndSimple(geometry: CutGeometry): void {
  expect(geometry.pieces).toBe(geometry.paths.length);
  for (const path of geometry.paths) {
    expect(path.segments.length).toBeGreaterThan(0);
    expect(path.segments.at(-1)!.to).toEqual(path.start);
  }
  expect(crossingCount(geometry.paths.map((p) => samplePath(p, 8)))).toBe(0);
}

const points = (geometry: CutGeometry) => geometry.paths.flatMap((p) => samplePath(p));

/** Largest |distance to the shape − border| over the path's samples. */
function borderError(geometry: CutGeometry, shape: Shape, borderMm = OPTIONS.borderMm): number {
  return Math.max(...points(geometry).map(([x, y]) => Math.abs(shape(x, y) - borderMm)));
}

describe("traceCutLine on a disc", () => {
  const R = 20;
  const shape = disc(30, 30, R);
  const geometry = trace(shape, 60, 60);

  it("is one circle of radius R + border, within ±0.25 mm at every sample", () => {
    expect(geometry.pieces).toBe(1);
    expect(borderError(geometry, shape)).toBeLessThanOrEqual(TOLERANCE_MM);
  });

  it("measures its length and bounds as the circle's", () => {
    const r = R + OPTIONS.borderMm;
    expect(Math.abs(geometry.lengthMm - 2 * Math.PI * r)).toBeLessThan(2 * Math.PI * TOLERANCE_MM);
    expect(cutLengthMm(geometry.paths)).toBe(geometry.lengthMm);
    const { x, y, width, height } = geometry.bounds;
    for (const [v, want] of [[x, 30 - r], [y, 30 - r], [width, 2 * r], [height, 2 * r]] as const) expect(Math.abs(v - want)).toBeLessThan(TOLERANCE_MM);
  });

  it("fills the disc grown by border and bleed, anti-aliased at its edge", () => {
    const px = 25.4 / 300;
    const side = Math.round(60 / px);
    expect(geometry.fill.length).toBe(side * side);
    const edge = R + OPTIONS.borderMm + OPTIONS.bleedMm;
    let covered = 0;
    let wrong = 0;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const f = geometry.fill[y * side + x]!;
        covered += f / 255;
        const d = Math.hypot((x + 0.5) * px - 30, (y + 0.5) * px - 30);
        if ((d < edge - 1.5 * px && f !== 255) || (d > edge + 1.5 * px && f !== 0)) wrong++;
      }
    }
    expect(wrong).toBe(0);
    // Coverage summed over pixels is the area: π (R + border + bleed)², to a fifth of a percent.
    expect(Math.abs(covered * px * px - Math.PI * edge * edge) / (Math.PI * edge * edge)).toBeLessThan(0.002);
  });
});

describe("traceCutLine on a turned square", () => {
  it("is the offset rounded square: border from the square at every sample", () => {
    const shape = box(30, 30, 30, 30, 0.3);
    const geometry = trace(shape, 60, 60);
    expect(geometry.pieces).toBe(1);
    expect(borderError(geometry, shape)).toBeLessThanOrEqual(TOLERANCE_MM);
  });
});

describe("traceCutLine on an L", () => {
  // Bars x 10–20 × y 10–40 and x 10–40 × y 30–40: one concave corner at (20, 30).
  const shape = union(box(15, 25, 10, 30), box(25, 35, 30, 10));
  const b = OPTIONS.borderMm;

  it("with min radius 0 is exactly the offset, its concave corner sharp", () => {
    const geometry = trace(shape, 50, 50, { minRadiusMm: 0 });
    expect(borderError(geometry, shape)).toBeLessThanOrEqual(TOLERANCE_MM);
    // The offset's concave corner (22, 28) is on the line.
    const nearest = Math.min(...points(geometry).map(([x, y]) => Math.hypot(x - (20 + b), y - (30 - b))));
    expect(nearest).toBeLessThan(TOLERANCE_MM);
  });

  it.each([1, 3])("with min radius %i mm moves outwards only, onto the closing's arc", (r) => {
    const geometry = trace(shape, 50, 50, { minRadiusMm: r });
    // The closing of the offset by a disc of radius r: the offset, except in the r × r square beyond
    // the offset's concave corner Q = (22, 28), where the boundary is the arc round C = Q + (r, −r).
    const [qx, qy] = [20 + b, 30 - b];
    const [cx, cy] = [qx + r, qy - r];
    const closingError = ([x, y]: [number, number]) =>
      x >= qx && x <= cx && y >= cy && y <= qy ? Math.abs(Math.hypot(x - cx, y - cy) - r) : Math.abs(shape(x, y) - b);
    const samples = points(geometry);
    expect(Math.max(...samples.map(closingError))).toBeLessThanOrEqual(TOLERANCE_MM);
    expect(Math.min(...samples.map(([x, y]) => shape(x, y)))).toBeGreaterThanOrEqual(b - TOLERANCE_MM);
    // The arc's middle, C − r (1, −1)/√2, is the furthest any point gets from the L (from either bar's edge): b + r (1 − 1/√2).
    const furthest = b + r * (1 - Math.SQRT1_2);
    expect(Math.abs(Math.max(...samples.map(([x, y]) => shape(x, y))) - furthest)).toBeLessThan(TOLERANCE_MM);
  });
});

describe("traceCutLine never cuts holes", () => {
  it.each([true, false])("an O with a dot in its counter is one outline (single piece %s)", (singlePiece) => {
    // The dot's border does not reach the ring's: it is a piece of its own inside the counter.
    const shape = union(ring(30, 30, 9, 15), disc(30, 30, 3));
    const geometry = trace(shape, 60, 60, { singlePiece });
    expect(geometry.pieces).toBe(1);
    for (const [x, y] of points(geometry)) expect(Math.abs(Math.hypot(x - 30, y - 30) - 17)).toBeLessThanOrEqual(TOLERANCE_MM);
  });

  it("a P is one outline round the stem and bowl, none round its counter", () => {
    const shape = union(box(12.5, 27.5, 5, 35), ring(20, 20, 4, 10));
    const geometry = trace(shape, 45, 60);
    expect(geometry.pieces).toBe(1);
    const samples = points(geometry);
    expect(Math.min(...samples.map(([x, y]) => shape(x, y)))).toBeGreaterThanOrEqual(OPTIONS.borderMm - TOLERANCE_MM);
    // A cut in the counter would pass within 4 − 2 mm of its centre; the outline is 10 + 2 mm out.
    expect(Math.min(...samples.map(([x, y]) => Math.hypot(x - 20, y - 20)))).toBeGreaterThan(12 - TOLERANCE_MM);
  });
});

describe("traceCutLine on two islands", () => {
  const left = disc(15, 20, 8);
  const right = disc(50, 20, 6);
  const shape = union(left, right);

  it("cuts each island on its own when single piece is false", () => {
    const geometry = trace(shape, 70, 40, { singlePiece: false });
    expect(geometry.pieces).toBe(2);
    const errors = geometry.paths.map((p) => {
      const samples = samplePath(p);
      return Math.min(...[left, right].map((island) => Math.max(...samples.map(([x, y]) => Math.abs(island(x, y) - OPTIONS.borderMm)))));
    });
    for (const e of errors) expect(e).toBeLessThanOrEqual(TOLERANCE_MM);
  });

  it("joins them in one outline with a waist when single piece is true", () => {
    const geometry = trace(shape, 70, 40);
    expect(geometry.pieces).toBe(1);
    const outline = samplePath(geometry.paths[0]!);
    expect(encloses(outline, 15, 20) && encloses(outline, 50, 20)).toBe(true);
    expect(Math.min(...outline.map(([x, y]) => shape(x, y)))).toBeGreaterThanOrEqual(OPTIONS.borderMm - TOLERANCE_MM);
    // Away from the gap the outline is still each island's offset.
    const outer = outline.filter(([x]) => x < 15 || x > 50);
    expect(Math.max(...outer.map(([x, y]) => Math.abs(shape(x, y) - OPTIONS.borderMm)))).toBeLessThanOrEqual(TOLERANCE_MM);
    // Tighter than the convex hull of the two offset discs (the fallback), which has no waist.
    expect(area(outline)).toBeLessThan(0.97 * hullArea([[15, 20, 10], [50, 20, 8]]));
  });
});

describe("traceCutLine joins with bridges only", () => {
  it("leaves the mouth of a C facing away from its neighbour open", () => {
    // A ring (radii 6, 12) open by 90° on its left, and a disc 13 mm to its right.
    const c = ringWithGap(20, 20, 6, 12, Math.PI, Math.PI / 4);
    const shape = union(c, disc(50, 20, 5));
    const geometry = trace(shape, 65, 40);
    expect(geometry.pieces).toBe(1);
    const samples = points(geometry);
    expect(Math.min(...samples.map(([x, y]) => shape(x, y)))).toBeGreaterThanOrEqual(OPTIONS.borderMm - TOLERANCE_MM);
    // The line goes in through the slot and round the counter, 6 − 2 mm from the centre.
    expect(Math.min(...samples.map(([x, y]) => Math.hypot(x - 20, y - 20)))).toBeLessThan(4 + TOLERANCE_MM);
    // Left of the bridge the C keeps its own outline.
    const left = samples.filter(([x]) => x < 28);
    expect(Math.max(...left.map(([x, y]) => Math.abs(c(x, y) - OPTIONS.borderMm)))).toBeLessThanOrEqual(OPTIONS.minRadiusMm + TOLERANCE_MM);
  });
});

describe("traceCutLine drops specks", () => {
  const body = disc(25, 25, 12);

  it.each([false, true])("a 0.5 mm speck 25 mm away gets no cut and no bridge (single piece %s)", (singlePiece) => {
    const geometry = trace(union(body, disc(50, 25, 0.25)), 65, 50, { singlePiece });
    expect(geometry.pieces).toBe(1);
    expect(geometry.bounds.x + geometry.bounds.width).toBeLessThan(25 + 12 + 2 + TOLERANCE_MM);
    expect(borderError(geometry, body)).toBeLessThanOrEqual(TOLERANCE_MM);
  });

  it("a 3 mm dot is artwork: cut as a piece of its own", () => {
    const geometry = trace(union(body, disc(50, 25, 1.5)), 65, 50, { singlePiece: false });
    expect(geometry.pieces).toBe(2);
  });
});

describe("requiredPaddingPx", () => {
  /** A square block of artwork with `pad` empty pixels on every side. */
  function padded(pad: number, side = 40): ArtworkMask {
    const width = side + 2 * pad;
    const alpha = new Uint8Array(width * width);
    for (let y = pad; y < pad + side; y++) alpha.fill(255, y * width + pad, y * width + pad + side);
    return { alpha, width, height: width, mmPerPx: 0.1 };
  }

  it("is enough for the cut line and its bleed to stay inside the mask, and one pixel less is refused", () => {
    const pad = requiredPaddingPx(OPTIONS, 0.1);
    // Border, radius and bleed alone are 4.5 mm = 45 px at 0.1 mm a pixel.
    expect(pad).toBeGreaterThan(45);
    const mask = padded(pad);
    const geometry = traceCutLine(mask, OPTIONS);
    const w = mask.width;
    const edge = [...Array(w).keys()].flatMap((i) => [i, (w - 1) * w + i, i * w, i * w + w - 1]);
    expect(edge.every((i) => geometry.fill[i] === 0)).toBe(true);
    expect(() => traceCutLine(padded(pad - 1), OPTIONS)).toThrow(/need \d+ px/);
  });
});

describe("traceCutLine refuses", () => {
  it("a mask without room for border, radius and bleed, naming what it needs", () => {
    const mask = drawMask(disc(10, 10, 6), 20, 20);
    expect(() => traceCutLine(mask, OPTIONS)).toThrow(/comes within \d+ px of the mask's edge.*need \d+ px/);
  });

  it("a mask with no artwork", () => {
    expect(() => traceCutLine({ alpha: new Uint8Array(100 * 100).fill(127), width: 100, height: 100, mmPerPx: 0.1 }, OPTIONS)).toThrow(/no artwork/);
  });
});

describe("traceCutLine at print size", () => {
  it("a 2000 × 2000 px star with islands: time and paths", async () => {
    const mmPerPx = 25.4 / 300;
    const side = 2000 * mmPerPx;
    const shape = union(star(side / 2, side / 2, 45, 75, 24), disc(20, 20, 6), disc(side - 20, side - 25, 4), box(side / 2, side - 15, 60, 5));
    // Four by four samples a pixel: edges to 1/32 px, and a quarter of the drawing time.
    const mask = drawMask(shape, side, side, mmPerPx, 4);
    // Workers' clocks move only across I/O, so each reading follows an awaited turn.
    await scheduler.wait(1);
    const started = Date.now();
    const geometry = traceCutLine(mask, OPTIONS);
    await scheduler.wait(1);
    const elapsed = Date.now() - started;
    console.log(`traceCutLine 2000×2000 px, ${geometry.pieces} piece(s), ${geometry.paths.map((p) => p.segments.length)} segments: ${elapsed} ms`);
    expectClosedAndSimple(geometry);
    expect(geometry.pieces).toBe(1);
    expect(Math.min(...points(geometry).map(([x, y]) => shape(x, y)))).toBeGreaterThanOrEqual(OPTIONS.borderMm - TOLERANCE_MM);
  });
});

describe("cutLengthMm", () => {
  it("is a straight segment's length and a Bézier's polyline length in the limit", () => {
    const line = { start: [0, 0] as const, segments: [{ c1: [1, 1] as const, c2: [2, 2] as const, to: [3, 3] as const }] };
    expect(cutLengthMm([line])).toBeCloseTo(3 * Math.SQRT2, 12);
    const curve = { start: [0, 0] as const, segments: [{ c1: [10, 0] as const, c2: [0, 10] as const, to: [10, 10] as const }] };
    const polyline = samplePath(curve, 100_000).concat([[10, 10]]);
    let length = 0;
    for (let i = 1; i < polyline.length; i++) length += Math.hypot(polyline[i]![0] - polyline[i - 1]![0], polyline[i]![1] - polyline[i - 1]![1]);
    expect(cutLengthMm([curve])).toBeCloseTo(length, 6);
  });
});

/** Area of the convex hull of discs [cx, cy, r], from 2048 points on each circle (monotone chain). */
function hullArea(discs: [number, number, number][]): number {
  const pts = discs.flatMap(([cx, cy, r]) => Array.from({ length: 2048 }, (_, i): [number, number] => [cx + r * Math.cos((i * Math.PI) / 1024), cy + r * Math.sin((i * Math.PI) / 1024)]));
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const turn = (o: [number, number], a: [number, number], b: [number, number]) => (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: [number, number][]) => {
    const out: [number, number][] = [];
    for (const p of list) {
      while (out.length >= 2 && turn(out[out.length - 2]!, out[out.length - 1]!, p) <= 0) out.pop();
      out.push(p);
    }
    return out.slice(0, -1);
  };
  return area(half(pts).concat(half(pts.slice().reverse())));
}
