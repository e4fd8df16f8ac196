/// <reference types="vite/client" />
import { beforeAll, describe, expect, it } from "vitest";
import { planRasterFixes, type RasterFixType } from "../../src/fixes/plan";
import { pipeRaster, streamImageData } from "../../src/fixes/raster-stream";
import { defaultStripRows, resizeHeapBytes, upscaleLanczos } from "../../src/fixes/upscale";
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
    // One strip: stripRows + 2·3 source rows in, 4× as many rows of 4× the width out.
    const window = defaultStripRows(width, 4) + 6;
    const rowBytes = width * 4;
    expect(peaks).toEqual([window * rowBytes * (1 + 16), window * rowBytes * (1 + 16)]);
    expect(peaks[0]!).toBeLessThan(8 * MB);
    expect(resizeHeapBytes()).toBeLessThan(32 * MB);
  });
});

/**
 * Time and peak memory of real upscales, printed as a table. Minutes of CPU on a small
 * machine, so only on request: VITE_FIX_MEASURE=1 npx vitest run --project workers test/fixes/memory.test.ts
 */
describe.runIf(import.meta.env.VITE_FIX_MEASURE)("measurements", () => {
  const cases: [string, number, number, RasterFixType[]][] = [
    ["1 MP 2×", 1152, 864, ["upscale_resolution_2x"]],
    ["1 MP 4×", 1152, 864, ["upscale_resolution_4x"]],
    ["4 MP 2×", 2304, 1728, ["upscale_resolution_2x"]],
    ["4 MP 4×", 2304, 1728, ["upscale_resolution_4x"]],
    ["4 MP 2× + sharpen + bleed", 2304, 1728, ["upscale_resolution_2x", "sharpen_edges", "add_bleed"]],
  ];
  const rows: string[] = [];

  it.each(cases)(
    "%s",
    async (label, width, height, fixes) => {
      const image = tiledPhoto(width, height);
      const plan = planRasterFixes({ width, height, hasAlpha: false }, fixes, { sourcePpi: 150, bleedMm: 3, maxOutputPixels: 200_000_000 });
      const sink = countingSink();
      const started = performance.now();
      const { peakRetainedBytes, info } = await pipeRaster(streamImageData(image), plan.stages, sink);
      const seconds = (performance.now() - started) / 1000;
      expect([info.width, info.height, sink.rows]).toEqual([plan.output.width, plan.output.height, plan.output.height]);
      const stages = peakRetainedBytes - image.data.byteLength;
      const heap = resizeHeapBytes();
      const wholeFrame = info.width * info.height * 4;
      rows.push(
        `| ${label} | ${width}×${height} → ${info.width}×${info.height} | ${seconds.toFixed(1)} s | ${(image.data.byteLength / MB).toFixed(1)} MB | ${(stages / MB).toFixed(1)} MB | ${(heap / MB).toFixed(1)} MB | ${((image.data.byteLength + stages + heap) / MB).toFixed(1)} MB | ${(wholeFrame / MB).toFixed(0)} MB |`,
      );
      expect(stages + heap).toBeLessThan(64 * MB);
    },
    300_000,
  );

  it("prints the table", () => {
    console.log(
      [
        "| case | size | time | source RGBA | stage buffers (peak) | resize wasm heap | sum | whole output frame |",
        "|---|---|---|---|---|---|---|---|",
        ...rows,
      ].join("\n"),
    );
    expect(rows).toHaveLength(cases.length);
  });
});
