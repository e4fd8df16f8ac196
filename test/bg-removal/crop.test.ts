import { describe, expect, it } from "vitest";
import { cropRectangle, parseCropMargin } from "../../src/bg-removal/crop";
import { CutAlpha } from "../../src/bg-removal/cut-alpha";
import { findSubjectBox, SUBJECT_MIN_ALPHA } from "../../src/bg-removal/subject-box";
import type { RowBand } from "../../src/imaging/raster-stream";

/** Bilinear upsampling with pixel centres aligned, written out from its definition for one pixel. */
function bilinearAt(plane: Uint8Array, pw: number, ph: number, width: number, height: number, x: number, y: number): number {
  const fx = Math.min(Math.max(((x + 0.5) * pw) / width - 0.5, 0), pw - 1);
  const fy = Math.min(Math.max(((y + 0.5) * ph) / height - 0.5, 0), ph - 1);
  const x0 = Math.floor(fx);
  const y0 = Math.floor(fy);
  const x1 = Math.min(x0 + 1, pw - 1);
  const y1 = Math.min(y0 + 1, ph - 1);
  const wx = fx - x0;
  const wy = fy - y0;
  const at = (xx: number, yy: number) => plane[yy * pw + xx]!;
  const v = (at(x0, y0) * (1 - wx) + at(x1, y0) * wx) * (1 - wy) + (at(x0, y1) * (1 - wx) + at(x1, y1) * wx) * wy;
  return Math.min(255, Math.max(0, Math.round(v)));
}

/** The box of pixels whose alpha reaches the subject threshold, over a whole frame. */
function boxOf(alphaAt: (x: number, y: number) => number, width: number, height: number) {
  let x0 = width;
  let y0 = height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (alphaAt(x, y) < SUBJECT_MIN_ALPHA) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/** A deterministic pseudo-random matte: a few soft blobs and stray specks of every strength. */
function randomMatte(width: number, height: number, seed: number): Uint8Array {
  let s = seed;
  const next = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const matte = new Uint8Array(width * height);
  const cx = width * (0.2 + 0.6 * next());
  const cy = height * (0.2 + 0.6 * next());
  const r = Math.min(width, height) * (0.05 + 0.2 * next());
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const d = Math.hypot(x - cx, y - cy);
      matte[y * width + x] = d < r ? 255 : d < r + 3 ? Math.round(255 * (1 - (d - r) / 3)) : 0;
    }
  }
  for (let i = 0; i < 6; i++) matte[Math.floor(next() * width * height)] = Math.floor(next() * 256);
  return matte;
}

/** Bands of a frame as a decoder hands them out. */
function bandsOf(rgba: Uint8ClampedArray, width: number, height: number, rows: number) {
  return async (visit: (band: RowBand) => void) => {
    for (let y = 0; y < height; y += rows) {
      const h = Math.min(rows, height - y);
      visit({ y, width, height: h, rows: rgba.subarray(y * width * 4, (y + h) * width * 4) });
    }
  };
}

const never = async () => {
  throw new Error("an opaque, upsampled cut needs no decode");
};

describe("crop_margin", () => {
  const px = (amount: number) => ({ amount, unit: "px" });
  const pc = (amount: number) => ({ amount, unit: "%" });

  it.each([
    ["0", [px(0), px(0), px(0), px(0)]],
    ["30", [px(30), px(30), px(30), px(30)]],
    ["30px", [px(30), px(30), px(30), px(30)]],
    ["10%", [pc(10), pc(10), pc(10), pc(10)]],
    ["12.5%", [pc(12.5), pc(12.5), pc(12.5), pc(12.5)]],
    ["50%", [pc(50), pc(50), pc(50), pc(50)]],
    ["500px", [px(500), px(500), px(500), px(500)]],
    ["40px 10%", [px(40), pc(10), px(40), pc(10)]],
    ["1px 2% 3 4%", [px(1), pc(2), px(3), pc(4)]],
  ])("reads %j as top, right, bottom, left", (text, sides) => {
    expect(parseCropMargin(text)).toEqual(sides);
  });

  it.each(["abc", "-5px", "60%", "50.01%", "501px", "10.5px", "5em", "", "10 20 30", "1 2 3 4 5", "10 %", "0x10"])("refuses %j", (text) => {
    expect(typeof parseCropMargin(text)).toBe("string");
  });

  it("grows the subject's box by pixels and by its own width and height, clamped to the image", () => {
    const subject = { x: 100, y: 50, width: 200, height: 80 };
    // 10 % of 200 is 20 (left, right), of 80 is 8 (top, bottom).
    expect(cropRectangle(subject, [pc(10), pc(10), pc(10), pc(10)] as never, 1000, 1000)).toEqual({ x: 80, y: 42, width: 240, height: 96 });
    expect(cropRectangle(subject, [px(0), px(0), px(0), px(0)] as never, 1000, 1000)).toEqual(subject);
    // 60 px reaches past the top (50) and 700 px past the right edge (300 + 700 > 400).
    expect(cropRectangle(subject, [px(60), px(700), px(5), px(30)] as never, 400, 1000)).toEqual({ x: 70, y: 0, width: 330, height: 135 });
    // 12.5 % of 200 = 25; 33 % of 80 = 26.4, rounded to 26.
    expect(cropRectangle(subject, [pc(33), pc(12.5), pc(0), pc(0)] as never, 1000, 1000)).toEqual({ x: 100, y: 24, width: 225, height: 106 });
  });
});

describe("the subject's box", () => {
  it.each([
    // guide size, full size, hard cut
    [[64, 48], [64, 48], false],
    [[64, 48], [150, 113], false],
    [[64, 48], [150, 113], true],
    [[50, 70], [173, 241], false],
    [[50, 70], [173, 241], true],
    [[40, 40], [97, 97], false],
  ] as const)("from a %j matte at %j (hard cut %s) is the box of the upsampled alpha, exact", async ([gw, gh], [width, height], hardCut) => {
    for (let seed = 1; seed <= 12; seed++) {
      const matte = randomMatte(gw, gh, seed);
      const cut = new CutAlpha(matte, gw, gh, width, height, null, hardCut);
      const expected = boxOf(
        (x, y) => {
          const a = bilinearAt(matte, gw, gh, width, height, x, y);
          return hardCut ? (a >= 128 ? 255 : 0) : a;
        },
        width,
        height,
      );
      expect(await findSubjectBox(cut, { opaque: true, read: never }), `seed ${seed}`).toEqual(expected);
    }
  });

  it("is null when nothing reaches the threshold", async () => {
    const matte = new Uint8Array(32 * 32).fill(SUBJECT_MIN_ALPHA - 1);
    expect(await findSubjectBox(new CutAlpha(matte, 32, 32, 90, 90, null, false), { opaque: true, read: never })).toBeNull();
    // A hard cut keeps nothing under 128.
    matte.fill(127);
    expect(await findSubjectBox(new CutAlpha(matte, 32, 32, 90, 90, null, true), { opaque: true, read: never })).toBeNull();
  });

  it("keys each source pixel and counts the source's own transparency", async () => {
    const width = 203;
    const height = 131;
    const rgba = new Uint8ClampedArray(width * height * 4).fill(255);
    const paint = (x0: number, y0: number, x1: number, y1: number, rgba4: number[]) => {
      for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) rgba.set(rgba4, (y * width + x) * 4);
    };
    // A block, a one-pixel line a guide could average away, and a block the source itself makes invisible.
    paint(40, 30, 90, 70, [200, 0, 0, 255]);
    paint(150, 12, 150, 100, [0, 0, 0, 255]);
    paint(170, 110, 190, 125, [0, 0, 200, 0]);
    // The matte plays no part in a colour key: an empty one shows that.
    const cut = new CutAlpha(new Uint8Array(50 * 32), 50, 32, width, height, [255, 255, 255], true);
    expect(await findSubjectBox(cut, { opaque: false, read: bandsOf(rgba, width, height, 16) })).toEqual({ x: 40, y: 12, width: 111, height: 89 });
  });

  it("multiplies an upsampled cut by the source's alpha when the source has transparency", async () => {
    const [gw, gh, width, height] = [40, 30, 121, 89];
    const matte = new Uint8Array(gw * gh).fill(255);
    const rgba = new Uint8ClampedArray(width * height * 4);
    // Only a diagonal band of the source is visible, at varying strength.
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgba[(y * width + x) * 4 + 3] = Math.abs(x - y - 10) < 6 ? 3 * Math.abs(x - y - 10) : 0;
    const cut = new CutAlpha(matte, gw, gh, width, height, null, false);
    const expected = boxOf((x, y) => Math.round((255 * rgba[(y * width + x) * 4 + 3]!) / 255), width, height);
    expect(expected).not.toBeNull();
    expect(await findSubjectBox(cut, { opaque: false, read: bandsOf(rgba, width, height, 7) })).toEqual(expected);
  });
});
