import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/imaging/codecs";
import { encodePngRgba } from "../../src/imaging/png-stream";
import { api, grant, signUp, uploadFile as upload } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { download, waitForJob } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";
import { runTool } from "../helpers/tools";
import { expectLedgerConsistent } from "../helpers/wallet";
import { mint, shopWithOrigin } from "../widgets/helpers";

const STICKERS = "/v1/services/stickers";
const MM_PER_INCH = 25.4;

/** A PNG with a transparent background and an opaque disc of radius `r` px centred in a `size` px square (anti-aliased by 4×4 supersampling). */
async function discPng(size: number, r: number, colour: [number, number, number] = [200, 30, 40]): Promise<Uint8Array> {
  const rgba = new Uint8Array(size * size * 4);
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let inside = 0;
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (Math.hypot(x + (sx + 0.5) / 4 - c, y + (sy + 0.5) / 4 - c) <= r) inside++;
      const i = (y * size + x) * 4;
      rgba.set(colour, i);
      rgba[i + 3] = Math.round((inside / 16) * 255);
    }
  }
  return encodePngRgba(rgba, size, size, 4);
}

async function sticker(token: string, body: Record<string, unknown>) {
  const created = await api(STICKERS, { token, body });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return { created: created.body, done: await waitForJob(`${STICKERS}/${created.body.job_id}`, token) };
}

async function ledgerOf(accountId: string, jobId: string) {
  const rows = await env.DB.prepare("SELECT type, amount FROM wallet_transactions WHERE account_id = ? AND job_id = ? ORDER BY seq")
    .bind(accountId, jobId)
    .all<{ type: string; amount: number }>();
  return rows.results;
}

describe("POST /v1/services/stickers: validation", () => {
  let shop: { token: string; id: string };
  beforeAll(async () => {
    shop = await signUp("stk-valid");
    await grant(shop.id, 1_000);
  });

  it.each([
    [{}, "image_url"],
    [{ image_url: "https://example.com/a.png", size_inches: 0.4 }, "size_inches"],
    [{ image_url: "https://example.com/a.png", size_inches: 25 }, "size_inches"],
    [{ image_url: "https://example.com/a.png", dpi: 71 }, "dpi"],
    [{ image_url: "https://example.com/a.png", dpi: 300.5 }, "dpi"],
    [{ image_url: "https://example.com/a.png", border_mm: 21 }, "border_mm"],
    [{ image_url: "https://example.com/a.png", bleed_mm: -1 }, "bleed_mm"],
    [{ image_url: "https://example.com/a.png", min_radius_mm: 11 }, "min_radius_mm"],
    [{ image_url: "https://example.com/a.png", border_color: "white" }, "border_color"],
    [{ image_url: "https://example.com/a.png", border_color: "#FFF" }, "border_color"],
    [{ image_url: "https://example.com/a.png", single_piece: "yes" }, "single_piece"],
    [{ image_url: "https://example.com/a.png", subject_type: "car" }, "subject_type"],
    // 24 in at 300 dpi is 7,200 px on the cut line's long side: over 5,000.
    [{ image_url: "https://example.com/a.png", size_inches: 24, dpi: 300 }, "dpi"],
    // 0.5 in is 12.7 mm: two 5 mm borders leave 2.7 mm of artwork.
    [{ image_url: "https://example.com/a.png", size_inches: 0.5, border_mm: 5 }, "border_mm"],
  ])("400 for %j (%s), before any tokens move", async (body, field) => {
    const res = await api(STICKERS, { token: shop.token, body });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(field);
    expect((await api("/v1/wallet", { token: shop.token })).body.data.balance).toBe(1_000);
  });

  it("answers 402 exactly as background removal when the wallet is short of 180", async () => {
    const poor = await signUp("stk-402");
    await grant(poor.id, 100);
    const res = await api(STICKERS, { token: poor.token, body: { image_url: "https://example.com/a.png" } });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ error: "INSUFFICIENT_TOKENS", balance: 100, shortfall: 80 });
  });

  it("404 for another account's job and for an unknown id; 401 without a token", async () => {
    expect((await api(`${STICKERS}/stk_nope`, { token: shop.token })).status).toBe(404);
    expect((await api(`${STICKERS}/stk_nope`)).status).toBe(401);
  });

  it("takes widget tokens scoped to stickers, and refuses others with 403", async () => {
    const widgetShop = await shopWithOrigin(500);
    const other = await mint(widgetShop, { services: ["bg-remove"] });
    const refused = await api(STICKERS, { token: other.token, headers: { origin: widgetShop.origin }, body: { image_url: "https://example.com/a.png" } });
    expect(refused.status).toBe(403);
    const scoped = await mint(widgetShop, { services: ["stickers"] });
    const res = await api(STICKERS, { token: scoped.token, headers: { origin: widgetShop.origin }, body: { image_url: fixtureUrl("bg/no-such-file.png") } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.wallet_transaction_id).toBe("");
  });
});

describe("a die-cut sticker of a disc with its own alpha", () => {
  let shop: { token: string; id: string };
  beforeAll(async () => {
    await ensureModel();
    shop = await signUp("stk-disc");
    await grant(shop.id, 2_000);
  }, 120_000);

  it("cuts a circle border_mm outside the disc, charges 30 (150 of 180 refunded) and writes PNG, SVG and PDF that agree", async () => {
    // A 600 px disc in an 800 px square: the artwork's box is the disc's.
    const source = await upload(shop.token, await discPng(800, 300));
    const params = { size_inches: 3, dpi: 300, border_mm: 2, bleed_mm: 1.5, min_radius_mm: 1, border_color: "#FFFFFF" };
    const { created, done } = await sticker(shop.token, { image_url: source, ...params });
    expect(created).toMatchObject({ status: "processing", tokens_deducted: 180 });
    expect(created.job_id).toMatch(/^stk_/);
    expect(done, done.error_message).toMatchObject({ status: "completed", alpha_source: "own_alpha", tokens_charged: 30, pieces: 1, single_piece: true, keep_existing_alpha: true, ...params });

    // Geometry: the cut line is a circle of diameter 3 in = 76.2 mm; the canvas adds 1.5 mm of bleed on each side.
    const cutDiameterMm = 3 * MM_PER_INCH;
    const canvasMm = cutDiameterMm + 2 * params.bleed_mm;
    const pxPerMm = params.dpi / MM_PER_INCH;
    expect(Math.abs(done.width_px - canvasMm * pxPerMm)).toBeLessThanOrEqual(2);
    expect(Math.abs(done.height_px - canvasMm * pxPerMm)).toBeLessThanOrEqual(2);
    expect(done.cut_length_mm).toBeGreaterThan(Math.PI * cutDiameterMm * 0.99);
    expect(done.cut_length_mm).toBeLessThan(Math.PI * cutDiameterMm * 1.01);

    // Money: 180 held, 30 captured, 150 back.
    expect(await ledgerOf(shop.id, done.job_id)).toEqual([
      { type: "debit", amount: -180 },
      { type: "capture", amount: 0 },
      { type: "refund", amount: 150 },
    ]);
    await expectLedgerConsistent(shop.id);

    // The PNG: pHYs at 300 dpi (ImageMagick reads it), the disc's colour inside, white border, transparent beyond the bleed.
    const png = await download(done.output_url);
    expect(png.contentType).toBe("image/png");
    const identified = await runTool("identify", png.bytes, ["-units", "PixelsPerInch", "-format", "%w %h %x", "{in}"], ".png");
    expect(identified.stdout.split(" ").slice(0, 2).map(Number)).toEqual([done.width_px, done.height_px]);
    expect(Number.parseFloat(identified.stdout.split(" ")[2]!)).toBeCloseTo(300, 0);
    const image = await decodeImage(png.bytes, "png");
    const c = [image.width / 2, image.height / 2];
    const artRadiusPx = (cutDiameterMm / 2 - params.border_mm) * pxPerMm;
    const at = (radiusPx: number, angle: number) => {
      const x = Math.round(c[0]! + radiusPx * Math.cos(angle));
      const y = Math.round(c[1]! + radiusPx * Math.sin(angle));
      return Array.from(image.data.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4));
    };
    for (const angle of [0, 0.7, 1.9, 3.3, 4.4, 5.8]) {
      expect(at(artRadiusPx - 3 * pxPerMm, angle)).toEqual([200, 30, 40, 255]);
      // Half-way through the border: white, opaque.
      expect(at(artRadiusPx + params.border_mm * pxPerMm * 0.5, angle)).toEqual([255, 255, 255, 255]);
      // Inside the bleed (past the cut line): still white.
      expect(at((cutDiameterMm / 2 + params.bleed_mm * 0.5) * pxPerMm, angle)).toEqual([255, 255, 255, 255]);
    }
    // The corners of the canvas lie outside the bleed: transparent.
    expect(image.data[3]).toBe(0);
    expect(image.data[image.data.length - 1]).toBe(0);

    // The SVG: rsvg-convert draws the line where the geometry says, a circle of 38.1 mm radius about the canvas centre.
    const svg = await download(done.cut_svg_url);
    expect(svg.contentType).toBe("image/svg+xml");
    const text = new TextDecoder().decode(svg.bytes);
    expect(text).toContain('id="CutContour"');
    expect(svg.bytes.byteLength).toBeLessThan(50_000);
    const rendered = await runTool("rsvg-convert", svg.bytes, ["--dpi-x", "300", "--dpi-y", "300", "-b", "white", "-o", "{out}", "{in}"], ".svg");
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    const drawn = await decodeImage(rendered.output!, "png");
    expect(Math.abs(drawn.width - image.width)).toBeLessThanOrEqual(1);
    const radii: number[] = [];
    for (let i = 0; i < drawn.width * drawn.height; i++) {
      const [r, g, b] = [drawn.data[i * 4]!, drawn.data[i * 4 + 1]!, drawn.data[i * 4 + 2]!];
      if (r > 180 && g < 120 && b > 180) radii.push(Math.hypot((i % drawn.width) + 0.5 - drawn.width / 2, Math.floor(i / drawn.width) + 0.5 - drawn.height / 2) / pxPerMm);
    }
    expect(radii.length).toBeGreaterThan(500);
    for (const r of radii) expect(Math.abs(r - cutDiameterMm / 2)).toBeLessThan(0.3);

    // The PDF: qpdf finds no damage; poppler reads the boxes: media = bleed = canvas, trim = the cut line's box.
    const pdf = await download(done.cut_pdf_url);
    expect(pdf.contentType).toBe("application/pdf");
    expect((await runTool("qpdf", pdf.bytes, ["--check", "{in}"], ".pdf")).exitCode).toBe(0);
    const boxes = (await runTool("pdfinfo", pdf.bytes, ["-box", "{in}"], ".pdf")).stdout;
    const box = (name: string) => boxes.match(new RegExp(`${name}:\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)`))!.slice(1).map(Number);
    const pt = (mm: number) => (mm * 72) / MM_PER_INCH;
    const media = box("MediaBox");
    expect(media[2]! - media[0]!).toBeCloseTo(pt(done.width_px / pxPerMm), 1);
    expect(box("BleedBox")).toEqual(media);
    const trim = box("TrimBox");
    expect(Math.abs(trim[2]! - trim[0]! - pt(cutDiameterMm))).toBeLessThan(pt(0.25));
    expect(Math.abs(trim[3]! - trim[1]! - pt(cutDiameterMm))).toBeLessThan(pt(0.25));
  });
});

describe("a sticker from a photo", () => {
  it("runs the model and keeps all 180 tokens", async () => {
    await ensureModel();
    const shop = await signUp("stk-photo");
    await grant(shop.id, 1_000);
    const { done } = await sticker(shop.token, { image_url: fixtureUrl("bg/astronaut.jpg"), subject_type: "person", size_inches: 2, dpi: 200 });
    expect(done, done.error_message).toMatchObject({ status: "completed", alpha_source: "model", tokens_charged: 180, pieces: 1 });
    expect(await ledgerOf(shop.id, done.job_id)).toEqual([
      { type: "debit", amount: -180 },
      { type: "capture", amount: 0 },
    ]);
    await expectLedgerConsistent(shop.id);
    // The cut line's long side is 2 in at 200 dpi: the canvas is that plus two 1.5 mm bleeds on its long side.
    const longSide = Math.max(done.width_px, done.height_px);
    expect(Math.abs(longSide - (2 * 200 + (2 * 1.5 * 200) / MM_PER_INCH))).toBeLessThanOrEqual(2);
  });

  it("fails with a clear message and refunds all 180 when the image has no artwork", async () => {
    const shop = await signUp("stk-empty");
    await grant(shop.id, 1_000);
    const clear = new Uint8Array(64 * 64 * 4);
    const source = await upload(shop.token, await encodePngRgba(clear, 64, 64, 4));
    const { done } = await sticker(shop.token, { image_url: source });
    expect(done.status).toBe("failed");
    expect(done.error_message).toMatch(/No artwork was found/);
    expect(done.output_url).toBeNull();
    expect((await api("/v1/wallet", { token: shop.token })).body.data.balance).toBe(1_000);
    await expectLedgerConsistent(shop.id);
  });
});
