import { beforeAll, describe, expect, it } from "vitest";
import { pipeRaster, streamImageData } from "../../src/imaging/raster-stream";
import { upscaleLanczos } from "../../src/fixes/upscale";
import { countingSink, fixtureImage } from "./helpers";

const MB = 1024 * 1024;
let photo: ImageData;

/** A real photo tiled (mirrored, so there are no seams) up to the wanted size. */
function tiledPhoto(width: number, height: number): ImageData {
  const data = new Uint8ClampedArray(width * height * 4);
  const fold = (i: number, n: number) => {
    const m = i % (2 * n);
    return m < n ? m : 2 * n - 1 - m;
  };
  for (let y = 0; y < height; y++) {
    const sy = fold(y, photo.height);
    for (let x = 0; x < width; x++) {
      const s = (sy * photo.width + fold(x, photo.width)) * 4;
      data.set(photo.data.subarray(s, s + 4), (y * width + x) * 4);
    }
  }
  return new ImageData(data, width, height);
}

beforeAll(async () => {
  photo = await fixtureImage("bg/coffee.jpg");
});

describe("bounded memory", () => {
  it("keeps the upscale's buffers independent of the image height", async () => {
    const width = 500;
    const peaks: number[] = [];
    for (const height of [1000, 3000]) {
      const image = tiledPhoto(width, height);
      const { peakRetainedBytes, info } = await pipeRaster(streamImageData(image), [upscaleLanczos(4)], countingSink());
      expect([info.width, info.height]).toEqual([4 * width, 4 * height]);
      peaks.push(peakRetainedBytes - image.data.byteLength);
    }
    // A ring of the 6 (4×: up to 7) source rows one output row reaches, filtered to the output width in float RGB, a row of sums and one output band.
    expect(peaks[1]).toBe(peaks[0]);
    const outRow = 4 * width;
    const ring = 7 * outRow * 3 * 4;
    const band = 1024 * 1024;
    expect(peaks[0]!).toBeLessThanOrEqual(ring + outRow * 3 * 8 + band);
    expect(peaks[0]!).toBeLessThan(2 * MB);
  });
});
