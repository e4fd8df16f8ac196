import { describe, expect, it } from "vitest";
import { addRasterBleed, mirrorIndex } from "../../src/fixes/bleed-raster";
import { FixInputError, FixNotApplicableError, OutputTooLargeError } from "../../src/fixes/errors";
import { flattenOverWhite, removeTransparency } from "../../src/fixes/flatten";
import { planRasterFixes } from "../../src/fixes/plan";
import { collectRaster, pipeRaster, streamImageData, type RasterStage, type RowBand } from "../../src/imaging/raster-stream";
import { countingSink, fixtureImage, solidImage } from "./helpers";

describe("pipeline", () => {
  it("declares the output before the first band and delivers every row once, in order", async () => {
    const image = solidImage(30, 20, (x, y) => [x, y, 0, 255]);
    const events: string[] = [];
    const stages = [addRasterBleed(2)];
    await pipeRaster(streamImageData(image, { bandRows: 7 }), stages, {
      start: (info) => void events.push(`start ${info.width}×${info.height} alpha=${info.hasAlpha}`),
      write: (band) => void events.push(`rows ${band.y}+${band.height}`),
      finish: () => void events.push("finish"),
    });
    expect(events).toEqual(["start 34×24 alpha=false", "rows 0+24", "finish"]);
  });

  it("refuses a stage that loses rows", async () => {
    const dropLast: RasterStage = (input) => ({
      ...input,
      bands: (async function* (): AsyncGenerator<RowBand> {
        for await (const band of input.bands) if (band.y + band.height < input.info.height) yield band;
      })(),
    });
    const image = solidImage(8, 8, () => [1, 2, 3, 255]);
    await expect(pipeRaster(streamImageData(image, { bandRows: 4 }), [dropLast], countingSink())).rejects.toThrow("ended after 4 of 8 rows");
  });
});

describe("remove_transparency", () => {
  it("composites a real RGBA photo over white: exact values, alpha 255, reported as opaque", async () => {
    const image = await fixtureImage("preflight/png-alpha-used.png");
    const stream = removeTransparency()(streamImageData(image, { bandRows: 9 }));
    expect(stream.info).toEqual({ width: 240, height: 160, hasAlpha: false });
    const out = await collectRaster(stream);
    let off = 0;
    let transparent = 0;
    let notOpaque = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      const a = image.data[i + 3]! / 255;
      if (a === 0) transparent++;
      for (let c = 0; c < 3; c++) {
        const expected = Math.round(image.data[i + c]! * a + 255 * (1 - a));
        if (Math.abs(out.data[i + c]! - expected) > 0) off++;
      }
      if (out.data[i + 3] !== 255) notOpaque++;
    }
    expect(transparent).toBeGreaterThan(1000);
    expect(off).toBe(0);
    expect(notOpaque).toBe(0);
  });

  it("gives white for transparent pixels and leaves opaque ones alone", () => {
    const src = new Uint8ClampedArray([10, 20, 30, 0, 10, 20, 30, 255, 0, 0, 0, 128]);
    const dst = new Uint8ClampedArray(src.length);
    flattenOverWhite(src, dst);
    expect(Array.from(dst)).toEqual([255, 255, 255, 255, 10, 20, 30, 255, 127, 127, 127, 255]);
  });

  it("is a no-op on an image without transparency", async () => {
    const image = await fixtureImage("fixes/upscale-chelsea-96x72.png");
    const source = streamImageData(image);
    expect(source.info.hasAlpha).toBe(false);
    expect(removeTransparency()(source)).toBe(source);
  });
});

describe("planning raster fixes", () => {
  const rgba = { width: 1000, height: 800, hasAlpha: true };

  it("applies fixes in the binding order whatever order they were asked in", () => {
    const plan = planRasterFixes(rgba, ["add_bleed", "sharpen_edges", "upscale_resolution_2x", "remove_transparency"], {
      sourcePpi: 150,
      bleedMm: 3,
      maxOutputPixels: 200_000_000,
    });
    expect(plan.fixes).toEqual(["remove_transparency", "upscale_resolution_2x", "sharpen_edges", "add_bleed"]);
    expect(plan.stages).toHaveLength(4);
    // 2× at 150 ppi prints at 300 ppi: 3 mm = 35 px.
    expect(plan.bleedPx).toBe(35);
    expect(plan.outputPpi).toBe(300);
    expect(plan.output).toEqual({ width: 2070, height: 1670, hasAlpha: false });
    expect(plan.sharpen?.sigma).toBeCloseTo(2000 / 2400, 10);
  });

  it("refuses an output over maxOutputPixels before any work, as an input error", () => {
    const twelveMp = { width: 4000, height: 3000, hasAlpha: false };
    const attempt = () => planRasterFixes(twelveMp, ["upscale_resolution_4x", "add_bleed"], { sourcePpi: 100, bleedMm: 3, maxOutputPixels: 190_000_000 });
    expect(attempt).toThrow(OutputTooLargeError);
    try {
      attempt();
    } catch (error) {
      expect(error).toBeInstanceOf(FixInputError);
      // 16000 + 2·47 by 12000 + 2·47 (3 mm at 400 ppi = 47 px).
      expect(error).toMatchObject({ width: 16094, height: 12094, maxOutputPixels: 190_000_000 });
      expect((error as Error).message).toBe("The corrected image would be 16094×12094 (194.6 MP), over the 190.0 MP output limit.");
    }
    expect(planRasterFixes(twelveMp, ["upscale_resolution_4x"], { sourcePpi: 100, maxOutputPixels: 192_000_000 }).output).toMatchObject({ width: 16000, height: 12000 });
  });

  it("refuses 2× and 4× together", () => {
    expect(() => planRasterFixes(rgba, ["upscale_resolution_2x", "upscale_resolution_4x"], { sourcePpi: 300, maxOutputPixels: 1e9 })).toThrow(FixNotApplicableError);
  });

  it("runs every fix on a real RGBA image end to end with the declared geometry", async () => {
    const image = await fixtureImage("preflight/png-alpha-used.png");
    const plan = planRasterFixes({ width: 240, height: 160, hasAlpha: true }, ["remove_transparency", "upscale_resolution_4x", "sharpen_edges", "add_bleed"], {
      sourcePpi: 72,
      bleedMm: 3,
      maxOutputPixels: 1_000_000,
    });
    // 4× at 72 ppi = 288 ppi: 3 mm = 34 px.
    expect(plan.bleedPx).toBe(34);
    const sink = countingSink();
    const { info } = await pipeRaster(streamImageData(image, { bandRows: 16 }), plan.stages, sink);
    expect(info).toEqual({ width: 960 + 68, height: 640 + 68, hasAlpha: false });
    expect([sink.info?.width, sink.info?.height, sink.rows, sink.finished]).toEqual([1028, 708, 708, true]);

    const out = await collectRaster(applyAll(streamImageData(image, { bandRows: 16 }), plan.stages));
    // The transparent corner became white and the bleed mirrors it: the output's corner is white.
    expect(Array.from(out.data.subarray(0, 4))).toEqual([255, 255, 255, 255]);
    // Bleed is the mirrored finished image, row by row.
    const b = plan.bleedPx;
    for (const [x, y] of [[0, 0], [5, 300], [1027, 707], [500, 1]] as const) {
      const sx = mirrorIndex(x - b, 960) + b;
      const sy = mirrorIndex(y - b, 640) + b;
      expect(Array.from(out.data.subarray((y * 1028 + x) * 4, (y * 1028 + x) * 4 + 4))).toEqual(Array.from(out.data.subarray((sy * 1028 + sx) * 4, (sy * 1028 + sx) * 4 + 4)));
    }
  });
});

function applyAll(source: ReturnType<typeof streamImageData>, stages: readonly RasterStage[]) {
  return stages.reduce((stream, stage) => stage(stream), source);
}
