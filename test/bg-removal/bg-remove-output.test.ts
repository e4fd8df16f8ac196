import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/imaging/codecs";
import { encodePngRgba } from "../../src/imaging/png-stream";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { cutOut } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";

/**
 * The output is composited and encoded strip by strip and uploaded in parts
 * while it is written; these check the file that comes out of that, pixel
 * by pixel.
 */
describe("background removal output", () => {
  let shop: { token: string; id: string };
  beforeAll(async () => {
    await ensureModel();
    shop = await signUp("bg-output");
    await grant(shop.id, 1_000);
  }, 120_000);

  const run = (body: Record<string, unknown>) => cutOut(shop.token, body);

  it("writes a cut-out larger than one upload part, every pixel where it belongs", async () => {
    // A 3 MP graphic on flat white (colour-keyed, no model): a 1600×1300 block of noise, which PNG cannot compress,
    // so the output (≈ 6.5 MB) needs more than one 5 MiB part.
    const width = 2000;
    const height = 1500;
    const box = { x0: 200, x1: 1800, y0: 100, y1: 1400 };
    const source = new Uint8Array(width * height * 4).fill(255);
    let seed = 1;
    for (let y = box.y0; y < box.y1; y++) {
      for (let x = box.x0; x < box.x1; x++) {
        const i = (y * width + x) * 4;
        for (let c = 0; c < 3; c++) {
          seed = (seed * 1664525 + 1013904223) >>> 0;
          // Far from white, so the colour key keeps every pixel of the block.
          source[i + c] = (seed >>> 24) % 150;
        }
      }
    }
    const uploaded = await api("/v1/services/uploads", {
      method: "POST",
      token: shop.token,
      headers: { "content-type": "image/png" },
      rawBody: await encodePngRgba(source, width, height),
    });
    expect(uploaded.status).toBe(201);

    const { done, file } = await run({ image_url: uploaded.body.data.fileUrl, subject_type: "logo", edge_softness: 0 });
    expect(done).toMatchObject({ width, height });
    expect(file.bytes.length).toBeGreaterThan(5 * 1024 * 1024);
    const output = await decodeImage(file.bytes, "png");
    expect([output.width, output.height]).toEqual([width, height]);
    let wrong = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 4;
        const inside = x >= box.x0 && x < box.x1 && y >= box.y0 && y < box.y1;
        const expected = inside ? [source[i]!, source[i + 1]!, source[i + 2]!, 255] : [0, 0, 0, 0];
        if (expected.some((v, c) => output.data[i + c] !== v)) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });

  it("writes an opaque RGB file for a white background, and a transparent one with nothing left in the removed areas", async () => {
    const [white, transparent] = await Promise.all([
      run({ image_url: fixtureUrl("bg/composite-logo.png"), subject_type: "logo", output_background: "white" }),
      run({ image_url: fixtureUrl("bg/composite-logo.png"), subject_type: "logo" }),
    ]);
    // IHDR colour type: 2 = RGB, 6 = RGBA.
    expect(white.file.bytes[25]).toBe(2);
    expect(transparent.file.bytes[25]).toBe(6);
    const image = await decodeImage(transparent.file.bytes, "png");
    let cleared = 0;
    let leftover = 0;
    for (let i = 0; i < image.data.length; i += 4) {
      if (image.data[i + 3] !== 0) continue;
      cleared++;
      if (image.data[i] || image.data[i + 1] || image.data[i + 2]) leftover++;
    }
    expect(cleared).toBeGreaterThan(100_000);
    expect(leftover).toBe(0);
  });
});
