import { env } from "cloudflare:workers";
import { PDFDocument } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { HEAD_BYTES } from "../../src/files/fetch-source";
import { preflightSourceKey } from "../../src/files/keys";
import { decodeImage } from "../../src/imaging/codecs";
import { sniff } from "../../src/imaging/sniff";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { download, waitForJob } from "../helpers/jobs";
import { referenceSharpness } from "../helpers/sharpness";
import { expectLedgerConsistent } from "../helpers/wallet";

const JOBS = "/v1/services/preflight/ai-jobs";
const CHECKS = "/v1/services/preflight/checks";

let shop: { token: string; id: string };
beforeAll(async () => {
  shop = await signUp("fixes");
  await grant(shop.id, 5000);
});

async function report(body: Record<string, unknown>, token = shop.token): Promise<any> {
  const res = await api(CHECKS, { token, body: { designId: "fix-test", ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function createFix(body: Record<string, unknown>, token = shop.token, headers: Record<string, string> = {}) {
  return api(JOBS, { token, body, headers });
}

async function finished(jobId: string, token = shop.token): Promise<any> {
  return (await waitForJob(`${JOBS}/${jobId}`, token)).data;
}

/** PNG pHYs in dots per inch (pixels per metre × 0.0254), or null. */
function pngDpi(bytes: Uint8Array): number | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 8; offset + 8 <= bytes.byteLength; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === "pHYs") return Math.round(view.getUint32(offset + 8) * 0.0254);
    if (type === "IDAT") return null;
    offset += 12 + length;
  }
  return null;
}

describe("AI fix jobs: the reference's upscale walk-through", () => {
  it("reports low resolution, upscales 2× with Lanczos, charges exactly 30", async () => {
    const low = await report({ fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), fileType: "jpeg", productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 });
    expect(low.issues.map((i: { code: string }) => i.code)).toContain("LOW_RESOLUTION");

    const created = await createFix({ preflightReportId: low.reportId, options: { fixTypes: ["upscale_resolution_2x"], targetDpi: 300 } });
    expect(created.status).toBe(202);
    expect(created.body.data).toMatchObject({ status: "analyzing", estimatedTokenCost: { min: 30, max: 30 }, tokensDeducted: 30, fixTypes: ["upscale_resolution_2x"] });
    expect(created.body.data.jobId).toMatch(/^job_/);
    expect(created.body.data.walletTransactionId).toMatch(/^TX-\d{5}$/);

    const job = await finished(created.body.data.jobId);
    expect(job).toMatchObject({ status: "completed", tokensDeducted: 30, tokensCharged: 30, tokensRefunded: 0, appliedFixTypes: ["upscale_resolution_2x"] });
    expect(Date.parse(job.completedAt)).toBeGreaterThan(0);
    const file = await download(job.correctedFileUrl);
    expect(file.status).toBe(200);
    expect(file.contentType).toBe("image/png");
    const dims = sniff(file.bytes)!;
    expect(dims).toMatchObject({ type: "png", width: low.file.widthPx * 2, height: low.file.heightPx * 2 });
    expect(pngDpi(file.bytes)).toBe(300);
    await expectLedgerConsistent(shop.id);
  });
});

describe("creating a fix job", () => {
  it("derives the fixes from the report in the binding order when fixTypes is omitted", async () => {
    const r = await report({ fileUrl: fixtureUrl("preflight/png-alpha-used.png"), productProfile: { requiredDpi: 300, bleedMm: 3 }, canvasWidthInches: 4, canvasHeightInches: 4 });
    const suggested = r.issues.filter((i: { fixable: boolean }) => i.fixable).map((i: { fixType: string }) => i.fixType);
    expect(suggested).toContain("remove_transparency");
    const created = await createFix({ preflightReportId: r.reportId });
    expect(created.status).toBe(202);
    const order = ["remove_transparency", "upscale_resolution_2x", "upscale_resolution_4x", "sharpen_edges", "add_bleed"];
    expect(created.body.data.fixTypes).toEqual(order.filter((f) => suggested.includes(f)));
    await finished(created.body.data.jobId);
  });

  it.each([
    [{ fixTypes: ["upscale_resolution_2x", "upscale_resolution_4x"] }, /not both/],
    [{ fixTypes: ["sharpen_edges"] }, /PDF auto-fix currently supports add_bleed only/],
  ])("refuses what cannot apply with 422 (%j)", async (options, message) => {
    const pdf = await report({ fileUrl: fixtureUrl("preflight/pdf-rgb-nobleed-4x6.pdf") });
    const res = await createFix({ preflightReportId: pdf.reportId, options });
    expect(res.status).toBe(422);
    expect(res.body.error).toBe("UNPROCESSABLE_INPUT");
    expect(res.body.message).toMatch(message);
  });

  it("refuses a report with nothing to fix", async () => {
    const clean = await report({ fileUrl: fixtureUrl("preflight/pdf-bleed-3mm.pdf"), productProfile: { requiredDpi: 72, bleedMm: 3 } });
    expect(clean.issues.filter((i: { fixable: boolean }) => i.fixable)).toEqual([]);
    const res = await createFix({ preflightReportId: clean.reportId });
    expect(res.status).toBe(422);
    expect(res.body.message).toMatch(/nothing to fix/);
  });

  it("answers 404 for another account's report and job, 402 when tokens are short", async () => {
    const mine = await report({ fileUrl: fixtureUrl("preflight/png-gray.png") });
    const other = await signUp("fixes-other");
    const res = await createFix({ preflightReportId: mine.reportId, options: { fixTypes: ["upscale_resolution_2x"] } }, other.token);
    expect(res.status).toBe(404);

    const poor = await signUp("fixes-poor");
    await grant(poor.id, 20);
    const theirs = await report({ fileUrl: fixtureUrl("preflight/png-gray.png") }, poor.token);
    const short = await createFix({ preflightReportId: theirs.reportId, options: { fixTypes: ["upscale_resolution_4x"] } }, poor.token);
    expect(short.status).toBe(402);
    expect(short.body).toMatchObject({ error: "INSUFFICIENT_TOKENS", balance: 20 });
    await expectLedgerConsistent(poor.id);

    const job = await createFix({ preflightReportId: mine.reportId, options: { fixTypes: ["upscale_resolution_2x"] } });
    expect((await api(`${JOBS}/${job.body.data.jobId}`, { token: other.token })).status).toBe(404);
    expect((await api(`${JOBS}/${job.body.data.jobId}/approve`, { method: "POST", token: other.token })).status).toBe(404);
    await finished(job.body.data.jobId);
  });

  it("charges once for a replayed Idempotency-Key", async () => {
    const r = await report({ fileUrl: fixtureUrl("preflight/png-gray.png") });
    const headers = { "idempotency-key": crypto.randomUUID() };
    const body = { preflightReportId: r.reportId, options: { fixTypes: ["upscale_resolution_2x"] } };
    const first = await createFix(body, shop.token, headers);
    const second = await createFix(body, shop.token, headers);
    expect(second.status).toBe(202);
    expect(second.body.data.jobId).toBe(first.body.data.jobId);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    await finished(first.body.data.jobId);
    const debits = await env.DB.prepare("SELECT COUNT(*) AS n FROM wallet_transactions WHERE account_id = ? AND job_id = ? AND type = 'debit'")
      .bind(shop.id, first.body.data.jobId)
      .first<{ n: number }>();
    expect(debits?.n).toBe(1);
  });
});

describe("settlement", () => {
  it("refunds a conditional fix that had nothing to change, exactly the difference", async () => {
    const opaque = await report({ fileUrl: fixtureUrl("preflight/png-alpha-opaque.png") });
    expect(opaque.issues.map((i: { code: string }) => i.code)).not.toContain("TRANSPARENCY");
    const created = await createFix({ preflightReportId: opaque.reportId, options: { fixTypes: ["remove_transparency", "upscale_resolution_2x"] } });
    expect(created.body.data.estimatedTokenCost).toEqual({ min: 30, max: 50 });
    const job = await finished(created.body.data.jobId);
    expect(job).toMatchObject({ status: "completed", tokensDeducted: 50, tokensCharged: 30, tokensRefunded: 20, appliedFixTypes: ["upscale_resolution_2x"] });
    const entries = await env.DB.prepare("SELECT type, amount FROM wallet_transactions WHERE account_id = ? AND job_id = ? ORDER BY seq")
      .bind(shop.id, created.body.data.jobId)
      .all<{ type: string; amount: number }>();
    expect(entries.results).toEqual([
      { type: "debit", amount: -50 },
      { type: "capture", amount: 0 },
      { type: "refund", amount: 20 },
    ]);
    await expectLedgerConsistent(shop.id);
  });

  it("refuses to fix a damaged file before taking tokens", async () => {
    const broken = await report({ fileUrl: fixtureUrl("preflight/jpeg-truncated.jpg") });
    const res = await createFix({ preflightReportId: broken.reportId, options: { fixTypes: ["upscale_resolution_2x"] } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ error: "UNPROCESSABLE_INPUT", code: "RASTER_DAMAGED" });
  });

  it("fails a job whose stored file is gone, refunding everything once", async () => {
    const r = await report({ fileUrl: fixtureUrl("preflight/png-gray.png") });
    await env.FILES.delete(preflightSourceKey(shop.id, r.reportId));
    const created = await createFix({ preflightReportId: r.reportId, options: { fixTypes: ["upscale_resolution_2x"] } });
    expect(created.status).toBe(202);
    const job = await finished(created.body.data.jobId);
    expect(job).toMatchObject({ status: "failed", correctedFileUrl: null, tokensCharged: 0, tokensRefunded: 30 });
    expect(job.errorMessage).toMatch(/no longer stored/);
    const refunds = await env.DB.prepare("SELECT COUNT(*) AS n FROM wallet_transactions WHERE account_id = ? AND job_id = ? AND type = 'refund'")
      .bind(shop.id, created.body.data.jobId)
      .first<{ n: number }>();
    expect(refunds?.n).toBe(1);
    await expectLedgerConsistent(shop.id);
  });
});

describe("approve and reject", () => {
  it("409 while running; approve makes a fresh report without the fixed issue, idempotently", async () => {
    const low = await report({ fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), productProfile: { requiredDpi: 250, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 });
    const lowIssue = low.issues.find((i: { code: string }) => i.code === "LOW_RESOLUTION");
    expect(lowIssue).toBeDefined();
    const created = await createFix({ preflightReportId: low.reportId });
    const early = await api(`${JOBS}/${created.body.data.jobId}/approve`, { method: "POST", token: shop.token });
    expect(early.status).toBe(409);
    expect(early.body.error).toBe("CONFLICT");
    await finished(created.body.data.jobId);

    const approved = await api(`${JOBS}/${created.body.data.jobId}/approve`, { method: "POST", token: shop.token });
    expect(approved.status).toBe(200);
    expect(approved.body.data).toMatchObject({ jobId: created.body.data.jobId, decision: "approved" });
    const fresh = approved.body.data.report;
    expect(fresh.reportId).not.toBe(low.reportId);
    expect(fresh.issues.map((i: { code: string }) => i.code)).not.toContain("LOW_RESOLUTION");
    expect(fresh.file.widthPx).toBe(low.file.widthPx * (lowIssue.fixType === "upscale_resolution_4x" ? 4 : 2));

    const again = await api(`${JOBS}/${created.body.data.jobId}/approve`, { method: "POST", token: shop.token });
    expect(again.body.data.approvedReportId).toBe(fresh.reportId);
    expect((await api(`${JOBS}/${created.body.data.jobId}/reject`, { method: "POST", token: shop.token })).status).toBe(409);
    const job = (await api(`${JOBS}/${created.body.data.jobId}`, { token: shop.token })).body.data;
    expect(job).toMatchObject({ decision: "approved", approvedReportId: fresh.reportId });
  });

  it("approves a corrected image larger than any check holds, with every pixel check, and copies it whole as the report's source", async () => {
    const r = await report({ fileUrl: fixtureUrl("preflight/photo-sharp.png"), productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 4, canvasHeightInches: 4 });
    const created = await createFix({ preflightReportId: r.reportId, options: { fixTypes: ["upscale_resolution_4x"] } });
    const done = await finished(created.body.data.jobId);
    expect(done.status).toBe("completed");
    const corrected = await download(done.correctedFileUrl);
    // More than the 256 KiB a check keeps of a file: the rest is read from R2 as a stream.
    expect(corrected.bytes.byteLength).toBeGreaterThan(HEAD_BYTES);
    const approved = await api(`${JOBS}/${created.body.data.jobId}/approve`, { method: "POST", token: shop.token });
    expect(approved.status).toBe(200);
    const fresh = approved.body.data.report;
    // 192 px × 4 = 768 px, measured as it is (under the 1024 px sample).
    expect(fresh.file).toMatchObject({
      readable: true,
      format: "png",
      byteLength: corrected.bytes.byteLength,
      widthPx: r.file.widthPx * 4,
      heightPx: r.file.heightPx * 4,
      pixelsAnalyzed: true,
      sharpness: { sampledWidthPx: 768, sampledHeightPx: 768 },
    });
    const pixels = await decodeImage(corrected.bytes, "png");
    expect(Math.abs(fresh.file.sharpness.score - referenceSharpness(pixels))).toBeLessThanOrEqual(0.0006);
    const codes = fresh.issues.map((i: { code: string }) => i.code);
    expect(codes).not.toContain("PIXEL_CHECKS_SKIPPED");
    expect(codes).not.toContain("RASTER_DAMAGED");
    const source = await env.FILES.get(preflightSourceKey(shop.id, fresh.reportId));
    expect(new Uint8Array(await source!.arrayBuffer())).toEqual(corrected.bytes);
    expect(source!.httpMetadata?.contentType).toBe("image/png");
    expect((await api(`${JOBS}/${created.body.data.jobId}`, { token: shop.token })).body.data).toMatchObject({ decision: "approved", approvedReportId: fresh.reportId });
  });

  it("reject deletes the corrected file and refunds nothing, idempotently", async () => {
    const r = await report({ fileUrl: fixtureUrl("preflight/png-gray.png") });
    const created = await createFix({ preflightReportId: r.reportId, options: { fixTypes: ["upscale_resolution_2x"] } });
    const done = await finished(created.body.data.jobId);
    const rejected = await api(`${JOBS}/${created.body.data.jobId}/reject`, { method: "POST", token: shop.token });
    expect(rejected.status).toBe(200);
    expect(rejected.body.data).toEqual({ jobId: created.body.data.jobId, decision: "rejected", tokensRefunded: 0 });
    expect((await api(`${JOBS}/${created.body.data.jobId}/reject`, { method: "POST", token: shop.token })).status).toBe(200);
    expect((await download(done.correctedFileUrl)).status).toBe(404);
    const job = (await api(`${JOBS}/${created.body.data.jobId}`, { token: shop.token })).body.data;
    expect(job).toMatchObject({ decision: "rejected", correctedFileUrl: null, tokensCharged: 30 });
    expect((await api(`${JOBS}/${created.body.data.jobId}/approve`, { method: "POST", token: shop.token })).status).toBe(409);
  });
});

describe("add_bleed", () => {
  it("grows a PDF's boxes by the bleed on every side and keeps the trim; the approved report has no bleed issue", async () => {
    const noBleed = await report({ fileUrl: fixtureUrl("preflight/pdf-rgb-nobleed-4x6.pdf"), productProfile: { requiredDpi: 72, bleedMm: 3 } });
    expect(noBleed.issues.map((i: { code: string }) => i.code)).toContain("MISSING_BLEED");
    const created = await createFix({ preflightReportId: noBleed.reportId });
    expect(created.body.data).toMatchObject({ fixTypes: ["add_bleed"], estimatedTokenCost: { min: 120, max: 120 } });
    const job = await finished(created.body.data.jobId);
    expect(job.status).toBe("completed");
    const file = await download(job.correctedFileUrl);
    expect(file.contentType).toBe("application/pdf");
    const page = (await PDFDocument.load(file.bytes)).getPage(0);
    const bleedPt = (3 / 25.4) * 72;
    const trim = page.getTrimBox();
    expect(trim).toMatchObject({ x: 0, y: 0, width: 288, height: 432 });
    for (const box of [page.getMediaBox(), page.getBleedBox()]) {
      expect(box.x).toBeCloseTo(-bleedPt, 2);
      expect(box.y).toBeCloseTo(-bleedPt, 2);
      expect(box.width).toBeCloseTo(288 + 2 * bleedPt, 2);
      expect(box.height).toBeCloseTo(432 + 2 * bleedPt, 2);
    }
    const approved = await api(`${JOBS}/${created.body.data.jobId}/approve`, { method: "POST", token: shop.token });
    expect(approved.body.data.report.issues.map((i: { code: string }) => i.code)).not.toContain("MISSING_BLEED");
  });

  it("mirrors a raster's edges outward by the bleed at its print resolution", async () => {
    const r = await report({ fileUrl: fixtureUrl("preflight/png-gray.png"), productProfile: { requiredDpi: 100, bleedMm: 3 }, canvasWidthInches: 1, canvasHeightInches: 1 });
    const created = await createFix({ preflightReportId: r.reportId, options: { fixTypes: ["add_bleed"] } });
    const job = await finished(created.body.data.jobId);
    expect(job.status).toBe("completed");
    const out = await decodeImage((await download(job.correctedFileUrl)).bytes, "png");
    const pad = Math.round((3 / 25.4) * r.file.effectivePpi);
    expect(out.width).toBe(r.file.widthPx + 2 * pad);
    expect(out.height).toBe(r.file.heightPx + 2 * pad);
  });
});
