import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { readModelManifest } from "../../src/bg-removal/manifest";
import { runModel } from "../../src/bg-removal/model";
import { toModelInput } from "../../src/bg-removal/model-input";
import { decodeImage } from "../../src/imaging/codecs";
import type { Env } from "../../src/platform/env";
import { fixtureBytes } from "../helpers/fixtures";
import { ensureModel } from "../helpers/model";

/**
 * Fidelity of the provisioned model to ISNet at its native resolution. The
 * reference masks are INDEPENDENT of the code under test: made by
 * scripts/fixtures/make-isnet-reference.mjs with onnxruntime-node on the model
 * exactly as @imgly/background-removal-data ships it (nothing rewritten, not
 * split, not tiled), at 1024×1024, from sharp's bilinear stretch of the photo.
 * Here the photo is decoded and stretched by the project's own code and run
 * through the Worker's stages and bands in workerd. IoU of the two maps at 0.5.
 */
const PHOTOS = ["astronaut", "chelsea", "coffee"];

async function iouWithReference(name: string): Promise<number> {
  const manifest = await readModelManifest(env as Env);
  const n = manifest.inputSize;
  const photo = await decodeImage(await fixtureBytes(`bg/${name}.jpg`), "jpeg");
  const { mask, size } = await runModel(env as Env, toModelInput(photo, n, manifest.mean, manifest.std), manifest);
  const reference = await decodeImage(await fixtureBytes(`bg/${name}-isnet1024-mask.png`), "png");
  expect([size, reference.width, reference.height]).toEqual([1024, 1024, 1024]);
  let both = 0;
  let either = 0;
  for (let i = 0; i < mask.length; i++) {
    const a = mask[i]! >= 0.5;
    const b = reference.data[i * 4]! >= 128;
    if (a && b) both++;
    if (a || b) either++;
  }
  return both / either;
}

describe("segmentation model fidelity (reference: unmodified ISNet at 1024 px in onnxruntime-node)", () => {
  beforeAll(async () => {
    await ensureModel("print");
  }, 120_000);

  for (const name of PHOTOS) {
    // One model run at 1024 px takes 15–30 s on one core (more on a loaded machine).
    it(`${name}: IoU ≥ 0.98 against the native model`, { timeout: 300_000 }, async () => {
      const iou = await iouWithReference(name);
      console.log(`IoU ${name} vs native ISNet 1024: ${iou.toFixed(4)}`);
      expect(iou).toBeGreaterThanOrEqual(0.98);
    });
  }
});
