import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/imaging/codecs";
import { grant, signUp } from "../helpers/api";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { download, removeBackground } from "../helpers/jobs";
import { channel, iou } from "../helpers/masks";
import { ensureModel } from "../helpers/model";
import { expectLedgerConsistent } from "../helpers/wallet";

/** IoU of the output's alpha (≥ 128) against a known mask (white = foreground). */
async function iouAgainst(outputPng: Uint8Array, maskFile: string): Promise<number> {
  const output = await decodeImage(outputPng, "png");
  const mask = await decodeImage(await fixtureBytes(maskFile), "png");
  expect([output.width, output.height]).toEqual([mask.width, mask.height]);
  return iou(channel(output, 3), channel(mask, 0));
}

describe("background removal", () => {
  let shop: { token: string; id: string };
  beforeAll(async () => {
    await ensureModel();
    shop = await signUp("bg");
    await grant(shop.id, 5_000);
  }, 120_000);

  it("cuts out a real photo at full resolution, as the reference describes", async () => {
    const { created, done } = await removeBackground(shop.token, { image_url: fixtureUrl("bg/astronaut.jpg"), subject_type: "person" });
    expect(created).toMatchObject({ status: "processing", output_url: null, tokens_deducted: 150, provider: "self_hosted" });
    expect(created.job_id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(created.wallet_transaction_id).toMatch(/^TX-\d{5}$/);
    expect(done).toMatchObject({ status: "completed", subject_type: "person", edge_softness: 3, high_detail_mode: false, output_background: "transparent", error_message: null });
    expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(Date.parse(done.created_at));

    const file = await download(done.output_url);
    expect(file.status).toBe(200);
    expect(file.contentType).toBe("image/png");
    const png = await decodeImage(file.bytes, "png");
    expect([png.width, png.height]).toEqual([512, 512]);
    let transparent = 0;
    let opaque = 0;
    for (let i = 3; i < png.data.length; i += 4) {
      if (png.data[i] === 0) transparent++;
      if (png.data[i] === 255) opaque++;
    }
    // A person fills part of the frame: both large transparent and opaque regions.
    expect(transparent / (512 * 512)).toBeGreaterThan(0.15);
    expect(opaque / (512 * 512)).toBeGreaterThan(0.15);
    await expectLedgerConsistent(shop.id);
  });

  it("finds a product-like object on a photo background (IoU ≥ 0.9)", async () => {
    const { done } = await removeBackground(shop.token, { image_url: fixtureUrl("bg/composite-horse.png"), subject_type: "product", edge_softness: 0 });
    const iou = await iouAgainst((await download(done.output_url)).bytes, "bg/composite-horse-mask.png");
    console.log(`IoU composite-horse (product): ${iou.toFixed(4)}`);
    expect(iou).toBeGreaterThanOrEqual(0.9);
  });

  it("keeps the holes of a logo on a flat background (IoU ≥ 0.9)", async () => {
    const { done } = await removeBackground(shop.token, { image_url: fixtureUrl("bg/composite-logo.png"), subject_type: "logo", edge_softness: 0 });
    const iou = await iouAgainst((await download(done.output_url)).bytes, "bg/composite-logo-mask.png");
    console.log(`IoU composite-logo (logo): ${iou.toFixed(4)}`);
    expect(iou).toBeGreaterThanOrEqual(0.9);
  });

  it("finds text on a photo (IoU ≥ 0.9)", async () => {
    const { done } = await removeBackground(shop.token, { image_url: fixtureUrl("bg/composite-text.png"), subject_type: "text", edge_softness: 0 });
    const iou = await iouAgainst((await download(done.output_url)).bytes, "bg/composite-text-mask.png");
    console.log(`IoU composite-text (text): ${iou.toFixed(4)}`);
    expect(iou).toBeGreaterThanOrEqual(0.9);
  });
});
