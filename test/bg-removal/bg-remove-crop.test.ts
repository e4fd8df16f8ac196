import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertJob } from "../../src/jobs/store";
import { decodeImage } from "../../src/imaging/codecs";
import { encodePngRgba } from "../../src/imaging/png-stream";
import type { Env } from "../../src/platform/env";
import { walletOf } from "../../src/wallet/wallet";
import { api, grant, signUp } from "../helpers/api";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { cutOut, jobRow, removeBackground } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";
import { expectLedgerConsistent } from "../helpers/wallet";

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The least alpha the API counts as subject (3 %), as docs/background-removal.md states it. */
const SUBJECT_ALPHA = 8;

/** The box of the pixels with alpha ≥ SUBJECT_ALPHA in a decoded RGBA image, scanned whole. */
function alphaBox(image: ImageData): Box | null {
  let x0 = image.width;
  let y0 = image.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[(y * image.width + x) * 4 + 3]! < SUBJECT_ALPHA) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

/**
 * A box grown as remove.bg describes crop_margin: each side by pixels or by a
 * percentage of the box's width (left, right) or height (top, bottom), here
 * rounded to the nearest pixel and clamped to the image.
 */
function grown(box: Box, margin: string, width: number, height: number): Box {
  const sides = margin.split(" ");
  const [top, right = top, bottom = top, left = right] = sides as [string, ...string[]];
  const size = (side: string, of: number) => (side.endsWith("%") ? Math.round((parseFloat(side) / 100) * of) : parseInt(side, 10));
  const x0 = Math.max(0, box.x - size(left, box.width));
  const y0 = Math.max(0, box.y - size(top, box.height));
  const x1 = Math.min(width, box.x + box.width + size(right, box.width));
  const y1 = Math.min(height, box.y + box.height + size(bottom, box.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** Counts the pixels of `cropped` that differ from `whole` cut at `box` (the crop done by hand). */
function differencesFromCrop(cropped: ImageData, whole: ImageData, box: Box): number {
  expect([cropped.width, cropped.height]).toEqual([box.width, box.height]);
  let wrong = 0;
  for (let y = 0; y < box.height; y++) {
    for (let x = 0; x < box.width; x++) {
      const i = (y * box.width + x) * 4;
      const j = ((box.y + y) * whole.width + box.x + x) * 4;
      for (let c = 0; c < 4; c++) {
        if (cropped.data[i + c] !== whole.data[j + c]) {
          wrong++;
          break;
        }
      }
    }
  }
  return wrong;
}

describe("background removal cropped to the subject", () => {
  // A shop per test: polling several jobs a second would reach one account's rate limit.
  let shop: { token: string; id: string };
  beforeAll(() => ensureModel(), 120_000);
  beforeEach(async () => {
    shop = await signUp("bg-crop");
    await grant(shop.id, 2_000);
  });

  const upload = async (rgba: Uint8Array, width: number, height: number): Promise<string> => {
    const res = await api("/v1/services/uploads", { method: "POST", token: shop.token, headers: { "content-type": "image/png" }, rawBody: await encodePngRgba(rgba, width, height) });
    expect(res.status).toBe(201);
    return res.body.data.fileUrl;
  };
  const run = async (body: Record<string, unknown>) => {
    const { done, file } = await cutOut(shop.token, body);
    return { done, image: await decodeImage(file.bytes, "png") };
  };
  /** One job after another: the polls of jobs in parallel would reach the rate limit. */
  const runEach = async (bodies: Record<string, unknown>[]) => {
    const results = [];
    for (const body of bodies) results.push(await run(body));
    return results;
  };

  // 2400×1500 (a guide of 2048×1280, 1.17 source pixels per guide pixel) on flat white: a red block
  // 12 px from the left edge and a blue square touching the last 20 rows, so margins clamp on two sides.
  const WIDTH = 2400;
  const HEIGHT = 1500;
  const SUBJECT: Box = { x: 12, y: 300, width: 1840 - 12, height: 1480 - 300 };
  const graphic = (): Uint8Array => {
    const rgba = new Uint8Array(WIDTH * HEIGHT * 4).fill(255);
    const paint = (x0: number, y0: number, x1: number, y1: number, colour: number[]) => {
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgba.set(colour, (y * WIDTH + x) * 4);
    };
    paint(12, 300, 1012, 900, [200, 30, 30, 255]);
    paint(1800, 1440, 1840, 1480, [20, 20, 160, 255]);
    return rgba;
  };

  it("cuts a colour-keyed graphic down to the box it was drawn in, plus the margin, clamped", async () => {
    const graphicUrl = await upload(graphic(), WIDTH, HEIGHT);
    const margins = ["0", "10%", "25px", "40px 10%", "0 500px 0 3%"];
    const [whole, wholeWhite, cropWhite, ...cropped] = await runEach([
      { image_url: graphicUrl, subject_type: "logo", edge_softness: 0 },
      { image_url: graphicUrl, subject_type: "logo", edge_softness: 0, output_background: "white" },
      { image_url: graphicUrl, subject_type: "logo", edge_softness: 0, output_background: "white", crop: true },
      ...margins.map((crop_margin) => ({ image_url: graphicUrl, subject_type: "logo", edge_softness: 0, crop: true, crop_margin })),
    ]);
    expect(whole!.done).toMatchObject({ width: WIDTH, height: HEIGHT, crop: false, crop_margin: "0", crop_box: null });
    expect(alphaBox(whole!.image)).toEqual(SUBJECT);
    // "10%": 183 px left and right (of 1828), 118 px top and bottom (of 1180).
    expect(grown(SUBJECT, "10%", WIDTH, HEIGHT)).toEqual({ x: 0, y: 182, width: 2023, height: 1318 });
    margins.forEach((margin, n) => {
      const { done, image } = cropped[n]!;
      const box = grown(SUBJECT, margin, WIDTH, HEIGHT);
      expect(done, margin).toMatchObject({ crop: true, crop_margin: margin, width: box.width, height: box.height, crop_box: box });
      expect(differencesFromCrop(image, whole!.image, box), margin).toBe(0);
    });
    // Over white the file is RGB; decoded, its alpha is 255 everywhere, so the comparison covers the colours.
    expect(cropWhite!.done).toMatchObject({ width: SUBJECT.width, height: SUBJECT.height, crop_box: SUBJECT });
    expect(differencesFromCrop(cropWhite!.image, wholeWhite!.image, SUBJECT)).toBe(0);
  }, 240_000);

  it("finds a feathered edge's box from the matte alone, to the pixel", async () => {
    const graphicUrl = await upload(graphic(), WIDTH, HEIGHT);
    const [whole, ...cropped] = await runEach([
      { image_url: graphicUrl, subject_type: "logo", edge_softness: 3 },
      ...["0", "10%"].map((crop_margin) => ({ image_url: graphicUrl, subject_type: "logo", edge_softness: 3, crop: true, crop_margin })),
    ]);
    const subject = alphaBox(whole!.image)!;
    // The feather (about 6 guide pixels at softness 3) reaches past the drawn box, on every side that has room.
    expect(subject.x).toBeLessThan(SUBJECT.x);
    expect(subject.x).toBeGreaterThanOrEqual(0);
    expect(subject.y).toBeLessThan(SUBJECT.y);
    expect(subject.y).toBeGreaterThan(SUBJECT.y - 20);
    expect(subject.x + subject.width).toBeGreaterThan(SUBJECT.x + SUBJECT.width);
    expect(subject.x + subject.width).toBeLessThan(SUBJECT.x + SUBJECT.width + 20);
    ["0", "10%"].forEach((margin, n) => {
      const box = grown(subject, margin, WIDTH, HEIGHT);
      expect(cropped[n]!.done, margin).toMatchObject({ width: box.width, height: box.height, crop_box: box });
      expect(differencesFromCrop(cropped[n]!.image, whole!.image, box), margin).toBe(0);
    });
  }, 240_000);

  it("crops a photo cut out by the model", async () => {
    const source = fixtureUrl("bg/composite-horse.png");
    const [whole, ...cropped] = await runEach([
      { image_url: source, subject_type: "product" },
      ...["0", "10%", "25px"].map((crop_margin) => ({ image_url: source, subject_type: "product", crop: true, crop_margin })),
    ]);
    const subject = alphaBox(whole!.image)!;
    // The horse's own box, from the composite's mask: the model's cut lies within a few pixels of it.
    const mask = await decodeImage(await fixtureBytes("bg/composite-horse-mask.png"), "png");
    for (let i = 0; i < mask.data.length; i += 4) mask.data[i + 3] = mask.data[i]!;
    const horse = alphaBox(mask)!;
    for (const [got, want] of [
      [subject.x, horse.x],
      [subject.y, horse.y],
      [subject.x + subject.width, horse.x + horse.width],
      [subject.y + subject.height, horse.y + horse.height],
    ]) {
      expect(Math.abs(got! - want!), JSON.stringify({ subject, horse })).toBeLessThanOrEqual(12);
    }
    ["0", "10%", "25px"].forEach((margin, n) => {
      const box = grown(subject, margin, whole!.image.width, whole!.image.height);
      expect(cropped[n]!.done, margin).toMatchObject({ width: box.width, height: box.height, crop_box: box });
      expect(differencesFromCrop(cropped[n]!.image, whole!.image, box), margin).toBe(0);
    });
  }, 240_000);

  it("leaves out what the source's own transparency hides", async () => {
    // A green block on white whose right part, and everything right of it, is transparent in the source.
    const [width, height] = [600, 400];
    const rgba = new Uint8Array(width * height * 4).fill(255);
    for (let y = 100; y < 300; y++) for (let x = 100; x < 400; x++) rgba.set([30, 120, 30], (y * width + x) * 4);
    for (let y = 0; y < height; y++) for (let x = 250; x < width; x++) rgba[(y * width + x) * 4 + 3] = 0;
    const url = await upload(rgba, width, height);
    const [whole, cropped] = await runEach([
      { image_url: url, subject_type: "logo" },
      { image_url: url, subject_type: "logo", crop: true, crop_margin: "5px" },
    ]);
    const subject = alphaBox(whole!.image)!;
    expect(subject.x + subject.width).toBe(250);
    const box = grown(subject, "5px", width, height);
    expect(cropped!.done).toMatchObject({ width: box.width, height: box.height, crop_box: box });
    expect(differencesFromCrop(cropped!.image, whole!.image, box)).toBe(0);
  }, 240_000);

  it("fails and refunds a crop of an image with no subject", async () => {
    const url = await upload(new Uint8Array(300 * 200 * 4).fill(255), 300, 200);
    const before = await expectLedgerConsistent(shop.id);
    const { created, done } = await removeBackground(shop.token, { image_url: url, subject_type: "logo", crop: true });
    expect(done).toMatchObject({ status: "failed", output_url: null, crop: true });
    expect(done.error_message).toMatch(/No subject was found to crop to/);
    expect(await expectLedgerConsistent(shop.id)).toEqual(before);
    const refunds = (await walletOf(env, shop.id).entries()).filter((e) => e.type === "refund" && e.jobId === created.job_id);
    expect(refunds.map((e) => e.amount)).toEqual([150]);
  });

  it.each([
    [{ crop_margin: "abc" }, "crop_margin"],
    [{ crop_margin: "-5px" }, "crop_margin"],
    [{ crop_margin: "60%" }, "crop_margin"],
    [{ crop_margin: "501px" }, "crop_margin"],
    [{ crop_margin: "10 20 30" }, "crop_margin"],
    [{ crop_margin: "" }, "crop_margin"],
    [{ crop_margin: 30 }, "crop_margin"],
    [{ crop: true, crop_margin: "10.5px" }, "crop_margin"],
    [{ crop: "yes" }, "crop"],
  ])("400 for %j, before anything is charged", async (fields, path) => {
    const before = await expectLedgerConsistent(shop.id);
    const res = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: "https://example.com/a.jpg", ...fields } });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: "VALIDATION_ERROR", message: expect.any(String), requestId: expect.any(String) });
    expect(res.body.issues).toEqual([{ path, message: expect.any(String) }]);
    expect(await expectLedgerConsistent(shop.id)).toEqual(before);
  });

  it("says crop: false for jobs recorded before crop existed", async () => {
    const job = jobRow(shop.id, { params: { subject_type: "auto", edge_softness: 3, high_detail_mode: false, output_background: "transparent" } });
    await insertJob(env as Env, job);
    const res = await api(`/v1/services/bg-remove/${job.id}`, { token: shop.token });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ crop: false, crop_margin: "0", crop_box: null });
  });

  it("lists both fields in the OpenAPI document", async () => {
    const doc = (await api("/v1/openapi.json")).body;
    const request = doc.paths["/v1/services/bg-remove"].post.requestBody.content["application/json"].schema;
    expect(request.properties.crop).toMatchObject({ type: "boolean", default: false });
    expect(request.properties.crop_margin).toMatchObject({ type: "string", default: "0" });
    expect(request.required ?? []).not.toContain("crop");
    const job = doc.components.schemas.BgRemovalJob;
    expect(job.properties).toHaveProperty("crop");
    expect(job.properties).toHaveProperty("crop_margin");
    expect(job.properties).toHaveProperty("crop_box");
    expect(doc.components.schemas.CropBox.properties).toEqual({
      x: expect.objectContaining({ type: "integer" }),
      y: expect.objectContaining({ type: "integer" }),
      width: expect.objectContaining({ type: "integer" }),
      height: expect.objectContaining({ type: "integer" }),
    });
  });
});
