import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/imaging/codecs";
import { grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { cutOut } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";

describe("background removal options", () => {
  let shop: { token: string; id: string };
  beforeAll(async () => {
    await ensureModel();
    shop = await signUp("bg-options");
    await grant(shop.id, 5_000);
  }, 120_000);

  const run = async (body: Record<string, unknown>) => decodeImage((await cutOut(shop.token, body)).file.bytes, "png");

  const alphaStats = (image: ImageData) => {
    let partial = 0;
    let transparent = 0;
    for (let i = 3; i < image.data.length; i += 4) {
      if (image.data[i] === 0) transparent++;
      else if (image.data[i]! < 255) partial++;
    }
    return { partial, transparent };
  };

  it("white background gives an opaque image whose removed areas are white", async () => {
    const [transparent, white] = await Promise.all([
      run({ image_url: fixtureUrl("bg/composite-horse.png"), subject_type: "product", output_background: "transparent" }),
      run({ image_url: fixtureUrl("bg/composite-horse.png"), subject_type: "product", output_background: "white" }),
    ]);
    expect(alphaStats(white)).toEqual({ partial: 0, transparent: 0 });
    let checked = 0;
    for (let p = 0; p < transparent.width * transparent.height; p++) {
      if (transparent.data[p * 4 + 3] !== 0) continue;
      expect([white.data[p * 4], white.data[p * 4 + 1], white.data[p * 4 + 2]]).toEqual([255, 255, 255]);
      checked++;
    }
    expect(checked).toBeGreaterThan(50_000);
  });

  it("edge_softness 0 is a hard cut and 10 a feathered edge", async () => {
    const [hard, soft] = await Promise.all([
      run({ image_url: fixtureUrl("bg/composite-horse.png"), subject_type: "auto", edge_softness: 0 }),
      run({ image_url: fixtureUrl("bg/composite-horse.png"), subject_type: "auto", edge_softness: 10 }),
    ]);
    expect(alphaStats(hard).partial).toBe(0);
    // A 600×450 image at softness 10 feathers a band about 6 px wide all around the horse.
    expect(alphaStats(soft).partial).toBeGreaterThan(3_000);
  });

  it("accepts WebP and applies JPEG EXIF orientation", async () => {
    const webp = await run({ image_url: fixtureUrl("bg/coffee.webp"), subject_type: "product" });
    expect([webp.width, webp.height]).toEqual([600, 400]);
    const rotated = await run({ image_url: fixtureUrl("preflight/jpeg-exif-orientation-6.jpg") });
    expect([rotated.width, rotated.height]).toEqual([240, 160]);
  });
});
