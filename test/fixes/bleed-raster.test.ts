import { describe, expect, it } from "vitest";
import { addRasterBleed, bleedPixels, mirrorIndex } from "../../src/fixes/bleed-raster";
import { collectRaster, pipeRaster, streamImageData } from "../../src/imaging/raster-stream";
import { countingSink, fixtureImage, solidImage } from "./helpers";

function bleed(image: ImageData, px: number, bandRows?: number): Promise<ImageData> {
  return collectRaster(addRasterBleed(px)(streamImageData(image, { bandRows })));
}

/** Every output pixel against the reflect-101 definition: (X, Y) shows source (m(X − b), m(Y − b)). */
function mismatches(out: ImageData, src: ImageData, b: number): number {
  let bad = 0;
  for (let y = 0; y < out.height; y++) {
    const sy = mirrorIndex(y - b, src.height);
    for (let x = 0; x < out.width; x++) {
      const sx = mirrorIndex(x - b, src.width);
      for (let c = 0; c < 4; c++) if (out.data[(y * out.width + x) * 4 + c] !== src.data[(sy * src.width + sx) * 4 + c]) bad++;
    }
  }
  return bad;
}

describe("bleed size", () => {
  it("is round(mm / 25.4 · ppi) pixels", () => {
    expect(bleedPixels(3, 300)).toBe(35); // 35.43
    expect(bleedPixels(3, 600)).toBe(71); // 70.87
    expect(bleedPixels(3.175, 300)).toBe(38); // 1/8 in = 37.5, rounds half up
    expect(bleedPixels(5, 72)).toBe(14); // 14.17
  });

  it("mirrors without repeating the edge pixel, and keeps reflecting past the far edge", () => {
    expect([-3, -2, -1, 0, 1, 4, 5, 6, 7].map((i) => mirrorIndex(i, 5))).toEqual([3, 2, 1, 0, 1, 4, 3, 2, 1]);
    expect([-9, -8, 12, 13].map((i) => mirrorIndex(i, 5))).toEqual([1, 0, 4, 3]);
    expect([-2, 0, 3].map((i) => mirrorIndex(i, 1))).toEqual([0, 0, 0]);
  });
});

describe("raster bleed", () => {
  it("adds 35 px per side at 3 mm and 300 ppi to a real photo; the border is the mirrored interior", async () => {
    const photo = await fixtureImage("bg/chelsea.jpg");
    const b = bleedPixels(3, 300);
    for (const bandRows of [1, 16, 300]) {
      const out = await bleed(photo, b, bandRows);
      expect([out.width, out.height]).toEqual([451 + 70, 300 + 70]);
      expect(mismatches(out, photo, b)).toBe(0);
    }
    const out = await bleed(photo, b);
    const px = (img: ImageData, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));
    // Spelled out at the corners and edges: interior pixel (k, k) reappears at (b − k, b − k).
    expect(px(out, b - 1, b)).toEqual(px(photo, 1, 0));
    expect(px(out, 0, 0)).toEqual(px(photo, b, b));
    expect(px(out, out.width - 1, out.height - 1)).toEqual(px(photo, 450 - b, 299 - b));
    expect(px(out, b + 10, out.height - 1)).toEqual(px(photo, 10, 299 - b));
  });

  it("handles a bleed wider than the image", async () => {
    const tiny = solidImage(4, 3, (x, y) => [x * 60, y * 100, 7, 255 - x]);
    for (const bandRows of [1, 2, 3]) {
      const out = await bleed(tiny, 10, bandRows);
      expect([out.width, out.height]).toEqual([24, 23]);
      expect(mismatches(out, tiny, 10)).toBe(0);
    }
    const line = solidImage(5, 1, (x) => [x, x, x, 255]);
    const out = await bleed(line, 2);
    expect([out.width, out.height]).toEqual([9, 5]);
    expect(mismatches(out, line, 2)).toBe(0);
  });

  it("passes the image through unchanged at 0 px", async () => {
    const photo = await fixtureImage("fixes/upscale-coffee-64x48.png");
    const out = await bleed(photo, 0);
    expect(out.data).toEqual(photo.data);
  });

  it("holds only the first and last b + 1 rows, however tall the image", async () => {
    const width = 200;
    const b = 12;
    for (const height of [400, 4000]) {
      const tall = solidImage(width, height, (x, y) => [x, y & 255, 0, 255]);
      const source = streamImageData(tall, { bandRows: 8 });
      const sink = countingSink();
      const { peakRetainedBytes, info } = await pipeRaster(source, [addRasterBleed(b)], sink);
      expect([info.width, info.height, sink.rows]).toEqual([width + 2 * b, height + 2 * b, height + 2 * b]);
      const stageBytes = peakRetainedBytes - tall.data.byteLength;
      const rowsHeld = 2 * (b + 1) * width * 4;
      const outputBand = 2 * 1024 * 1024;
      expect(stageBytes).toBeLessThanOrEqual(rowsHeld + outputBand);
    }
  });
});
