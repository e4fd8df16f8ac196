import { beforeAll, describe, expect, it } from "vitest";
import { SUBJECT_MIN_ALPHA } from "../../src/bg-removal/subject-box";
import { decodeImage } from "../../src/imaging/codecs";
import { encodePngRgba } from "../../src/imaging/png-stream";
import { grant, signUp, uploadFile } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { cutOut } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";

// keep_existing_alpha: a logo exported on transparency is cut from its own
// alpha, without the model. The source is drawn here: a ring whose alpha is
// its exact coverage (4×4 supersampling of the analytic annulus), over
// transparent pixels whose colour is noise, as exporters leave it. The
// expected alpha is that geometry, not anything the service computed.
const WIDTH = 400;
const HEIGHT = 320;
const CX = 200;
const CY = 160;
const OUTER = 130;
const INNER = 60;
const INK: [number, number, number] = [20, 90, 200];

function ringCoverage(): Uint8Array {
  const alpha = new Uint8Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      let inside = 0;
      for (let sy = 0; sy < 4; sy++) {
        for (let sx = 0; sx < 4; sx++) {
          const d = Math.hypot(x + (sx + 0.5) / 4 - CX, y + (sy + 0.5) / 4 - CY);
          if (d <= OUTER && d >= INNER) inside++;
        }
      }
      alpha[y * WIDTH + x] = Math.round((inside / 16) * 255);
    }
  }
  return alpha;
}

function ringPng(coverage: Uint8Array): Promise<Uint8Array> {
  const rgba = new Uint8Array(WIDTH * HEIGHT * 4);
  let seed = 12345;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 255;
  for (let p = 0; p < coverage.length; p++) {
    if (coverage[p]) rgba.set(INK, p * 4);
    else rgba.set([noise(), noise(), noise()], p * 4);
    rgba[p * 4 + 3] = coverage[p]!;
  }
  return encodePngRgba(rgba, WIDTH, HEIGHT, 4);
}

describe("keep_existing_alpha: a source's own transparency as the cut", () => {
  let shop: { token: string; id: string };
  let coverage: Uint8Array;
  let source: string;
  beforeAll(async () => {
    await ensureModel();
    shop = await signUp("bg-own-alpha");
    await grant(shop.id, 5_000);
    coverage = ringCoverage();
    source = await uploadFile(shop.token, await ringPng(coverage));
  }, 120_000);

  const run = async (body: Record<string, unknown>) => {
    const { done, file } = await cutOut(shop.token, { image_url: source, ...body });
    return { done, image: await decodeImage(file.bytes, "png") };
  };

  it("a logo keeps its alpha exactly and its ink's colour, without the model, for the listed 150 tokens", async () => {
    const { done, image } = await run({ subject_type: "logo" });
    expect(done).toMatchObject({ keep_existing_alpha: true, alpha_source: "own_alpha", tokens_deducted: 150, width: WIDTH, height: HEIGHT });
    let differing = 0;
    for (let p = 0; p < coverage.length; p++) {
      if (image.data[p * 4 + 3] !== coverage[p]) differing++;
      // Edge pixels keep the ink's colour: there is no old background in a source's own alpha to take out.
      else if (coverage[p]) expect([image.data[p * 4], image.data[p * 4 + 1], image.data[p * 4 + 2]]).toEqual(INK);
    }
    expect(differing).toBe(0);
  });

  it("edge_softness 0 cuts the source's alpha at half coverage, per pixel", async () => {
    const { done, image } = await run({ subject_type: "text", edge_softness: 0 });
    expect(done).toMatchObject({ keep_existing_alpha: true, alpha_source: "own_alpha" });
    let differing = 0;
    for (let p = 0; p < coverage.length; p++) if (image.data[p * 4 + 3] !== (coverage[p]! >= 128 ? 255 : 0)) differing++;
    expect(differing).toBe(0);
  });

  it("crops to the ring's box from its own alpha", async () => {
    const { done } = await run({ subject_type: "logo", crop: true });
    let [x0, y0, x1, y1] = [WIDTH, HEIGHT, -1, -1];
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        if (coverage[y * WIDTH + x]! < SUBJECT_MIN_ALPHA) continue;
        [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
      }
    }
    expect(done.crop_box).toEqual({ x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 });
    // The ring's box is its outer diameter, give or take the anti-aliased pixel at each side.
    expect(Math.abs(done.crop_box.width - 2 * OUTER)).toBeLessThanOrEqual(2);
  });

  it("is off by default for photos' subject types, and can be turned off for a logo: the model decides, and the cut only removes", async () => {
    for (const body of [{ subject_type: "product" }, { subject_type: "logo", keep_existing_alpha: false }]) {
      const { done, image } = await run(body);
      expect(done).toMatchObject({ keep_existing_alpha: false, alpha_source: "model" });
      for (let p = 0; p < coverage.length; p++) expect(image.data[p * 4 + 3]!).toBeLessThanOrEqual(coverage[p]!);
    }
  });

  it("a source without transparency goes the usual way: a logo on a flat colour is colour-keyed", async () => {
    const { done } = await run({ image_url: fixtureUrl("bg/composite-logo.png"), subject_type: "logo" });
    expect(done).toMatchObject({ keep_existing_alpha: true, alpha_source: "colour_key" });
  });
});
