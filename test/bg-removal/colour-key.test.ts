import { describe, expect, it } from "vitest";
import { keyThresholds } from "../../src/bg-removal/colour-matte";
import { CutAlpha } from "../../src/bg-removal/cut-alpha";
import { AreaDownsampler } from "../../src/imaging/downsample";

/**
 * A hard cut (edge_softness 0) against a flat background keeps exactly the
 * pixels the artwork covers at least half. The truth comes from the geometry:
 * each pixel's coverage by a disc is counted on a 16 × 16 grid of points inside
 * it, and the pixel is drawn as that mix of ink and paper, as an anti-aliasing
 * renderer does.
 */
const SUB = 16;

function discImage(size: number, radius: number, ink: number[], paper: number[]) {
  const coverage = new Float32Array(size * size);
  const rgba = new Uint8ClampedArray(size * size * 4);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inside = 0;
      for (let sy = 0; sy < SUB; sy++) {
        for (let sx = 0; sx < SUB; sx++) {
          const px = x + (sx + 0.5) / SUB - c;
          const py = y + (sy + 0.5) / SUB - c;
          if (px * px + py * py <= radius * radius) inside++;
        }
      }
      const a = inside / (SUB * SUB);
      coverage[y * size + x] = a;
      for (let ch = 0; ch < 3; ch++) rgba[(y * size + x) * 4 + ch] = Math.round(ink[ch]! * a + paper[ch]! * (1 - a));
      rgba[(y * size + x) * 4 + 3] = 255;
    }
  }
  return { rgba, coverage };
}

/** The cut of the whole image as CutAlpha gives it, from a guide made at `guideSize` as the service makes one (area average). */
function hardCut(rgba: Uint8ClampedArray, size: number, guideSize: number, paper: [number, number, number]) {
  const down = new AreaDownsampler(size, size, guideSize, guideSize);
  down.push({ y: 0, width: size, height: size, rows: rgba });
  const guide = down.data;
  const thresholds = keyThresholds({ data: guide, width: guideSize, height: guideSize }, paper);
  const cut = new CutAlpha(new Uint8Array(guideSize * guideSize), guideSize, guideSize, size, size, paper, true, false, thresholds);
  const alpha = new Uint8Array(size * size);
  cut.rows(0, size, rgba, alpha);
  return alpha;
}

describe("a hard colour-keyed cut", () => {
  const paper: [number, number, number] = [255, 255, 255];
  for (const [what, ink] of [
    ["dark ink", [20, 30, 90]],
    ["pale ink", [225, 225, 190]],
  ] as const) {
    for (const guideSize of [240, 120]) {
      it(`keeps the pixels ${what} covers at least half (guide ${guideSize === 240 ? "at" : "below"} the source's size)`, () => {
        const size = 240;
        const { rgba, coverage } = discImage(size, 80.3, [...ink], paper);
        const alpha = hardCut(rgba, size, guideSize, paper);
        let wrong = 0;
        let rim = 0;
        for (let i = 0; i < alpha.length; i++) {
          const a = coverage[i]!;
          if (a > 0 && a < 1) rim++;
          // Within a few hundredths of one half, 8-bit rounding of the drawn pixel may decide either way.
          if (Math.abs(a - 0.5) < 0.04) continue;
          if ((alpha[i] === 255) !== a >= 0.5) wrong++;
        }
        expect(rim).toBeGreaterThan(400); // the disc's anti-aliased rim is there to be cut
        expect(wrong).toBe(0);
      });
    }
  }

  it("keeps hard-edged artwork whole: a pale fill against a dark one, and noise, on the paper", () => {
    const size = 120;
    const rgba = new Uint8ClampedArray(size * size * 4).fill(255);
    const inside = (x: number, y: number, x0: number, x1: number) => x >= x0 && x < x1 && y >= x0 && y < x1;
    let seed = 7;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const i = (y * size + x) * 4;
        if (inside(x, y, 30, 50)) rgba.set([10, 20, 120], i); // dark square inside the pale one
        else if (inside(x, y, 20, 60)) rgba.set([150, 190, 240], i);
        else if (x >= 80 && x < 110 && y >= 10 && y < 100) {
          for (let c = 0; c < 3; c++) {
            seed = (seed * 1664525 + 1013904223) >>> 0;
            rgba[i + c] = (seed >>> 24) % 150;
          }
        }
      }
    }
    const alpha = hardCut(rgba, size, size, paper);
    let wrong = 0;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const artwork = inside(x, y, 20, 60) || (x >= 80 && x < 110 && y >= 10 && y < 100);
        if ((alpha[y * size + x] === 255) !== artwork) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });
});
