import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { preflightSourceKey } from "../../src/files/keys";
import { verifyFileUrl } from "../../src/files/signing";
import { walletOf } from "../../src/wallet/wallet";
import { api, apiWith, grant, signUp } from "../helpers/api";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { craftPng, storedPng, zlibOfZeros } from "../helpers/png";
import { referenceSharpness } from "../helpers/sharpness";

const CHECKS = "/v1/services/preflight/checks";

let account: { token: string; id: string };
beforeAll(async () => {
  account = await signUp("preflight");
});

function check(body: Record<string, unknown>, token = account.token) {
  return api(CHECKS, { token, body });
}

const codes = (report: { issues: { code: string }[] }) => report.issues.map((i) => i.code);

describe("POST /v1/services/preflight/checks", () => {
  it("answers the reference example's request with a stored report (201, camelCase inside data)", async () => {
    const res = await check({
      designId: "design_12345",
      fileUrl: fixtureUrl("preflight/pdf-rgb-nobleed-4x6.pdf"),
      fileType: "pdf",
      productProfile: { requiredDpi: 300, requiredColorMode: "cmyk", bleedMm: 3 },
    });
    expect(res.status).toBe(201);
    const report = res.body.data;
    expect(report.reportId).toMatch(/^report_[A-Za-z0-9_-]{21}$/);
    expect(report).toMatchObject({ designId: "design_12345", fileType: "pdf", status: "failed" });
    expect(report.requirements).toMatchObject({ requiredDpi: 300, requiredColorMode: "cmyk", bleedMm: 3, defaulted: [] });
    expect(Date.parse(report.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    // No bleed although 3 mm was asked for: an error, fixable by add_bleed (the only PDF fix).
    const bleed = report.issues.find((i: { code: string }) => i.code === "MISSING_BLEED");
    expect(bleed).toMatchObject({ severity: "error", fixable: true, fixType: "add_bleed" });
    // RGB where CMYK is required.
    expect(codes(report)).toContain("COLOR_MODE_MISMATCH");
    expect(report.summary.errors).toBe(report.issues.filter((i: { severity: string }) => i.severity === "error").length);

    const again = await api(`${CHECKS}/${report.reportId}`, { token: account.token });
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(report);
  });

  it("passes a PDF with 3 mm bleed on the required canvas", async () => {
    const res = await check({
      designId: "bleed-ok",
      fileUrl: fixtureUrl("preflight/pdf-bleed-3mm.pdf"),
      productProfile: { requiredDpi: 100, requiredColorMode: "any", bleedMm: 3 },
    });
    expect(res.status).toBe(201);
    expect(res.body.data.fileType).toBe("pdf");
    expect(codes(res.body.data)).not.toContain("MISSING_BLEED");
  });

  it("takes requiredDpi from productType and defaults the rest, a defaulted bleed being only a warning", async () => {
    const res = await check({
      designId: "raster-defaults",
      fileUrl: fixtureUrl("preflight/jpeg-rgb-300dpi.jpg"),
      productType: "poster",
      canvasWidthInches: 2,
      canvasHeightInches: 2,
    });
    expect(res.status).toBe(201);
    const { requirements, issues } = res.body.data;
    expect(requirements).toMatchObject({ requiredDpi: 150, requiredColorMode: "any", bleedMm: 3, productType: "poster", canvas: { widthInches: 2, heightInches: 2 } });
    expect(requirements.defaulted).toEqual(["requiredColorMode", "bleedMm"]);
    for (const i of issues.filter((i: { code: string }) => i.code === "MISSING_BLEED")) expect(i.severity).toBe("warning");
  });

  it("flags low resolution on a raster with the upscale that reaches the target", async () => {
    const res = await check({
      designId: "low-res",
      fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"),
      productProfile: { requiredDpi: 300, bleedMm: 0 },
      canvasWidthInches: 24,
      canvasHeightInches: 36,
    });
    expect(res.status).toBe(201);
    const low = res.body.data.issues.find((i: { code: string }) => i.code === "LOW_RESOLUTION");
    expect(low).toMatchObject({ severity: "error", fixable: true });
    expect(["upscale_resolution_2x", "upscale_resolution_4x"]).toContain(low.fixType);
    expect(res.body.data.status).toBe("failed");
  });

  it("reports a fileType that disagrees with the bytes and checks the real type", async () => {
    const res = await check({ designId: "misnamed", fileUrl: fixtureUrl("preflight/misnamed-png-as.jpg"), fileType: "jpeg" });
    expect(res.status).toBe(201);
    expect(res.body.data.fileType).toBe("png");
    expect(res.body.data.issues[0]).toMatchObject({ code: "FILE_TYPE_MISMATCH", severity: "error", details: { claimed: "jpeg", detected: "png" } });
  });

  it("gives encrypted and damaged PDFs a failed report, not an error", async () => {
    for (const [name, code] of [
      ["pdf-encrypted-userpw.pdf", "PDF_ENCRYPTED"],
      ["pdf-truncated.pdf", "PDF_DAMAGED"],
    ]) {
      const res = await check({ designId: name, fileUrl: fixtureUrl(`preflight/${name}`) });
      expect(res.status, name).toBe(201);
      expect(res.body.data.status).toBe("failed");
      expect(codes(res.body.data)).toContain(code);
    }
  });

  it("checks an uploaded file through its upload link, and keeps a copy that outlives the upload", async () => {
    const bytes = await fixtureBytes("preflight/png-alpha-used.png");
    const upload = await api("/v1/services/uploads", { token: account.token, rawBody: bytes, headers: { "content-type": "image/png" } });
    expect(upload.status).toBe(201);
    const res = await check({ designId: "uploaded", fileUrl: upload.body.data.fileUrl });
    expect(res.status).toBe(201);
    const transparency = res.body.data.issues.find((i: { code: string }) => i.code === "TRANSPARENCY");
    expect(transparency).toMatchObject({ fixable: true, fixType: "remove_transparency" });
    // The sweeper deletes uploads after UPLOAD_RETENTION_DAYS; the report's file is its own.
    const link = await verifyFileUrl(env.URL_SIGNING_SECRET, new URL(upload.body.data.fileUrl), Math.floor(Date.now() / 1000));
    expect(link.ok).toBe(true);
    await env.FILES.delete((link as { key: string }).key);
    const stored = await env.FILES.get(preflightSourceKey(account.id, res.body.data.reportId));
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(bytes);
    expect(stored!.httpMetadata?.contentType).toBe("image/png");
  });

  it("keeps the checked bytes in R2 for fix jobs", async () => {
    const res = await check({ designId: "kept", fileUrl: fixtureUrl("preflight/png-gray.png") });
    const stored = await env.FILES.get(preflightSourceKey(account.id, res.body.data.reportId));
    expect(stored).not.toBeNull();
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(await fixtureBytes("preflight/png-gray.png"));
    expect(stored!.httpMetadata?.contentType).toBe("image/png");
  });

  it("checks a PDF that trickles in: its first bytes, then the rest of its declared length in one read", async () => {
    const res = await check({ designId: "slow-pdf", fileUrl: fixtureUrl("preflight/pdf-hairline-0.1pt.pdf", "slow") });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data.file).toMatchObject({ pages: 1, damaged: false });
    const stored = await env.FILES.get(preflightSourceKey(account.id, res.body.data.reportId));
    expect(new Uint8Array(await stored!.arrayBuffer())).toEqual(await fixtureBytes("preflight/pdf-hairline-0.1pt.pdf"));
  });

  it("refuses a PDF whose connection closes mid-body with 422, and stores nothing", async () => {
    const shop = await signUp("cut-pdf");
    const res = await check({ designId: "cut-pdf", fileUrl: fixtureUrl("preflight/pdf-cmyk.pdf", "cut") }, shop.token);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toBe("UNPROCESSABLE_INPUT");
    expect((await env.FILES.list({ prefix: `preflight/${shop.id}/` })).objects).toEqual([]);
  });

  it.each([
    ["an image type that is not a print file", () => fixtureUrl("bg/coffee.webp"), 422, "UNPROCESSABLE_INPUT"],
    ["a file that is not an image or PDF", () => fixtureUrl("preflight/README.md"), 422, "UNPROCESSABLE_INPUT"],
    ["an unreachable URL", () => fixtureUrl("404", "status"), 422, "UNPROCESSABLE_INPUT"],
    ["a loopback address that is not allow-listed", () => "http://127.0.0.2:9/file.pdf", 400, "VALIDATION_ERROR"],
  ])("refuses %s with a JSON error", async (_what, url, status, error) => {
    const res = await check({ designId: "bad", fileUrl: url() });
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error });
    expect(typeof res.body.message).toBe("string");
  });

  it("checks a decompression bomb from its header only, naming the pixel limit", async () => {
    const res = await check({ designId: "bomb", fileUrl: fixtureUrl("preflight/png-bomb-20000x20000.png") });
    expect(res.status).toBe(201);
    expect(res.body.data.file).toMatchObject({ widthPx: 20000, heightPx: 20000, pixelsAnalyzed: false });
    const tooLarge = res.body.data.issues.find((i: { code: string }) => i.code === "RASTER_TOO_LARGE");
    expect(tooLarge.message).toMatch(/MAX_SOURCE_PIXELS/);
  });

  it("fails a decompression bomb (50,000 × 50,000 px in a few bytes), keeps its header facts, and refuses fixes before charging", async () => {
    // 1 KB of zeros as its image data (not even one of its 150,001-byte rows): a tiny file whose header claims 2.5 gigapixels (7.5 GB of RGB).
    const bomb = craftPng(50_000, 50_000, await zlibOfZeros(1024));
    expect(bomb.byteLength).toBeLessThan(200);
    // The well-known CRC of an empty IEND chunk: the helper's checksums are right, so only the size is a lie.
    expect([...bomb.subarray(-4)]).toEqual([0xae, 0x42, 0x60, 0x82]);

    const shop = await signUp("bomb");
    await grant(shop.id, 1_000);
    const upload = await api("/v1/services/uploads", { token: shop.token, rawBody: bomb, headers: { "content-type": "image/png" } });
    expect(upload.status).toBe(201);
    const res = await check({ designId: "bomb-50k", fileUrl: upload.body.data.fileUrl, canvasWidthInches: 24, canvasHeightInches: 24 }, shop.token);
    expect(res.status).toBe(201);
    const report = res.body.data;
    expect(report.status).toBe("failed");
    expect(report.file).toMatchObject({ readable: true, format: "png", widthPx: 50_000, heightPx: 50_000, megapixels: 2500, pixelsAnalyzed: false, sharpness: null });
    const tooLarge = report.issues.find((i: { code: string }) => i.code === "RASTER_TOO_LARGE");
    expect(tooLarge).toMatchObject({ severity: "error", fixable: false, details: { megapixels: 2500, maxMegapixels: 25 } });
    expect(tooLarge.message).toMatch(/50000 × 50000 px .*MAX_SOURCE_PIXELS/);
    expect(report.summary.errors).toBeGreaterThanOrEqual(1);
    expect((await api(`${CHECKS}/${report.reportId}`, { token: shop.token })).body.data.status).toBe("failed");

    // A fix job from this report is refused before any token moves, with fixes named or derived.
    for (const options of [{ fixTypes: ["upscale_resolution_2x"] }, undefined]) {
      const fix = await api("/v1/services/preflight/ai-jobs", { token: shop.token, body: { preflightReportId: report.reportId, ...(options ? { options } : {}) } });
      expect(fix.status).toBe(422);
      expect(fix.body).toMatchObject({ error: "UNPROCESSABLE_INPUT", code: "RASTER_TOO_LARGE" });
      expect(fix.body.message).toMatch(/MAX_SOURCE_PIXELS/);
    }
    expect(await walletOf(env, shop.id).summary()).toEqual({ balance: 1_000, held: 0, entries: 1 });
  });

  it.each([
    [{ fileUrl: "https://example.com/a.pdf" }, "designId"],
    [{ designId: "", fileUrl: "https://example.com/a.pdf" }, "designId"],
    [{ designId: "x".repeat(201), fileUrl: "https://example.com/a.pdf" }, "designId"],
    [{ designId: "d", fileUrl: "ftp://example.com/a.pdf" }, "fileUrl"],
    [{ designId: "d", fileUrl: "https://example.com/a.pdf", fileType: "gif" }, "fileType"],
    [{ designId: "d", fileUrl: "https://example.com/a.pdf", productProfile: { requiredDpi: 0 } }, "productProfile.requiredDpi"],
    [{ designId: "d", fileUrl: "https://example.com/a.pdf", productProfile: { requiredColorMode: "lab" } }, "productProfile.requiredColorMode"],
    [{ designId: "d", fileUrl: "https://example.com/a.pdf", productProfile: { bleedMm: -1 } }, "productProfile.bleedMm"],
    [{ designId: "d", fileUrl: "https://example.com/a.pdf", canvasWidthInches: 10 }, "canvasHeightInches"],
    [{ designId: "d", fileUrl: "https://example.com/a.pdf", productType: "mug" }, "productType"],
  ])("validates %j (400 on %s)", async (body, path) => {
    const res = await check(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues.map((i: { path: string }) => i.path)).toContain(path);
  });
});

describe("files too large to hold whole (staged in R2, read as they are needed)", () => {
  const MIB = 1024 * 1024;

  /** Serves `bytes` from the fixture server as /generated/<name>; returns its URL. */
  async function serve(name: string, bytes: Uint8Array, query = ""): Promise<string> {
    const put = await fetch(`${inject("fixtureBaseUrl")}/generated/${name}`, { method: "PUT", body: bytes });
    expect(put.status).toBe(204);
    return `${fixtureUrl(name, "generated")}${query}`;
  }

  const sha256 = async (bytes: Uint8Array) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

  it("checks a 38 MB PNG sent without a length with every pixel check, as the plain reference measures it", async () => {
    // 1024 × 1024 px of noise, each pixel repeated 3 × 3: 3072 × 3072 px (9.4 MP), stored uncompressed.
    const side = 1024;
    let seed = 99;
    const base = new Uint8Array(side * side * 4);
    for (let i = 0; i < base.length; i++) base[i] = i % 4 === 3 ? 255 : (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    const png = storedPng(side * 3, side * 3, (y, rgba) => {
      const row = Math.floor(y / 3) * side * 4;
      for (let x = 0; x < side * 3; x++) rgba.set(base.subarray(row + Math.floor(x / 3) * 4, row + Math.floor(x / 3) * 4 + 4), x * 4);
    });
    expect(png.byteLength).toBeGreaterThan(3072 * 3072 * 4);

    const res = await check({ designId: "big", fileUrl: await serve("big-check.png", png, "?chunked&type=image/png") });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const file = res.body.data.file;
    expect(file).toMatchObject({
      readable: true,
      format: "png",
      byteLength: png.byteLength,
      widthPx: 3072,
      heightPx: 3072,
      megapixels: 9.44,
      hasAlphaChannel: true,
      alphaUsed: false,
      pixelsAnalyzed: true,
    });
    // 3072 px measured at 1024: the 3 × 3 blocks averaged back to the base picture.
    expect(file.sharpness).toMatchObject({ sampledWidthPx: side, sampledHeightPx: side });
    expect(Math.abs(file.sharpness.score - referenceSharpness({ width: side, height: side, data: base }))).toBeLessThanOrEqual(0.0006);
    expect(res.body.data.issues.map((i: { code: string }) => i.code)).not.toContain("PIXEL_CHECKS_SKIPPED");

    const stored = await env.FILES.get(preflightSourceKey(account.id, res.body.data.reportId));
    expect(stored!.size).toBe(png.byteLength);
    expect(await sha256(new Uint8Array(await stored!.arrayBuffer()))).toEqual(await sha256(png));
  });

  it("leaves nothing stored and gives the quota back when a staged file fails its check", async () => {
    const shop = await signUp("staged");
    const stored = async () => (await env.FILES.list({ prefix: `preflight/${shop.id}/` })).objects.map((o) => o.key);
    const used = async () =>
      (await env.DB.prepare("SELECT checks FROM preflight_usage WHERE account_id = ?").bind(shop.id).first<{ checks: number }>())?.checks ?? 0;

    // 9 MiB that starts as a WebP: staged (past one 8 MiB part) before its type is refused.
    const webp = new Uint8Array(9 * MIB);
    webp.set(new TextEncoder().encode("RIFF\0\0\0\0WEBPVP8 "));
    const refused = await check({ designId: "webp", fileUrl: await serve("staged.webp", webp) }, shop.token);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe("UNPROCESSABLE_INPUT");
    expect(await stored()).toEqual([]);

    // A PDF over MAX_PDF_BYTES: pdf-lib would parse it whole.
    const pdf = new Uint8Array(1.5 * MIB).fill(0x20);
    pdf.set(new TextEncoder().encode("%PDF-1.7\n"));
    const tooLarge = await apiWith({ MAX_PDF_BYTES: String(1 * MIB) })(CHECKS, { token: shop.token, body: { designId: "pdf", fileUrl: await serve("staged.pdf", pdf, "?chunked") } });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ error: "PAYLOAD_TOO_LARGE", limitBytes: 1 * MIB });
    expect(tooLarge.body.message).toMatch(/MAX_PDF_BYTES/);
    expect(await stored()).toEqual([]);
    expect(await used()).toBe(0);
  });

  it.each([
    ["with its length", "", 0],
    ["without a length", "?chunked&type=application/pdf", 0],
    ["without a length, larger than one multipart part", "?chunked&type=application/pdf", 9 * MIB],
  ])("checks a PDF sent %s from memory, stored with one put, byte for byte", async (_, query, padding) => {
    // Padding after %%EOF: readers ignore it, so the report is the fixture's (4 × 6 in, 3 mm bleed, one 47 ppi image).
    const fixture = await fixtureBytes("preflight/pdf-bleed-3mm.pdf");
    const pdf = new Uint8Array(fixture.byteLength + padding).fill(0x0a);
    pdf.set(fixture);
    const res = await check({
      designId: "pdf-whole",
      fileUrl: await serve(`whole-${padding}${query ? "-chunked" : ""}.pdf`, pdf, query),
      productProfile: { requiredDpi: 40, requiredColorMode: "any", bleedMm: 3 },
      canvasWidthInches: 4,
      canvasHeightInches: 6,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({ status: "passed", fileType: "pdf" });
    expect(res.body.data.file).toMatchObject({ pages: 1, images: [{ widthPx: 200, heightPx: 200, effectivePpi: 47.21 }] });
    const stored = await env.FILES.get(preflightSourceKey(account.id, res.body.data.reportId));
    expect(stored!.size).toBe(pdf.byteLength);
    expect(await sha256(new Uint8Array(await stored!.arrayBuffer()))).toEqual(await sha256(pdf));
    // One put: R2's ETag is the object's MD5 (a multipart upload's is a hash of the parts' hashes, with "-<parts>").
    const md5 = [...new Uint8Array(await crypto.subtle.digest("MD5", pdf))].map((b) => b.toString(16).padStart(2, "0")).join("");
    expect(stored!.etag).toBe(md5);
  });

  it("refuses a body past MAX_SOURCE_BYTES with 413, naming the limit", async () => {
    const res = await apiWith({ MAX_SOURCE_BYTES: String(2 * MIB) })(CHECKS, { token: account.token, body: { designId: "big", fileUrl: fixtureUrl("", "endless") } });
    expect(res.status).toBe(413);
    expect(res.body.message).toMatch(/MAX_SOURCE_BYTES/);
  });
});

describe("daily quota", () => {
  const today = () => new Date().toISOString().slice(0, 10);

  it("allows the plan's checks per UTC day, then 429 with Retry-After until midnight", async () => {
    const user = await signUp("quota");
    // The account has used all but one of today's 500 checks.
    await env.DB.prepare("INSERT INTO preflight_usage (account_id, day, checks) VALUES (?, ?, 499)").bind(user.id, today()).run();
    const body = { designId: "q", fileUrl: fixtureUrl("preflight/png-gray.png") };
    expect((await check(body, user.token)).status).toBe(201);
    const refused = await check(body, user.token);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe("RATE_LIMITED");
    const retryAfter = Number(refused.headers.get("retry-after"));
    const midnight = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((midnight - Date.now()) / 1000) + 1);
  });

  it("gives the quota back when a check ends without a report", async () => {
    const user = await signUp("quota-back");
    await env.DB.prepare("INSERT INTO preflight_usage (account_id, day, checks) VALUES (?, ?, 499)").bind(user.id, today()).run();
    expect((await check({ designId: "q", fileUrl: fixtureUrl("404", "status") }, user.token)).status).toBe(422);
    expect((await check({ designId: "q", fileUrl: fixtureUrl("preflight/png-gray.png") }, user.token)).status).toBe(201);
    const row = await env.DB.prepare("SELECT checks FROM preflight_usage WHERE account_id = ? AND day = ?").bind(user.id, today()).first<{ checks: number }>();
    expect(row?.checks).toBe(500);
  });

  it("never lets concurrent checks overshoot the limit", async () => {
    const user = await signUp("quota-race");
    await env.DB.prepare("INSERT INTO preflight_usage (account_id, day, checks) VALUES (?, ?, 497)").bind(user.id, today()).run();
    const results = await Promise.all(Array.from({ length: 8 }, () => check({ designId: "race", fileUrl: fixtureUrl("preflight/png-gray.png") }, user.token)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 429)).toHaveLength(5);
  });
});

describe("listing, reading and deleting reports", () => {
  it("lists newest first with a stable cursor, only the caller's own", async () => {
    const user = await signUp("list");
    const ids: string[] = [];
    for (const designId of ["one", "two", "three"]) {
      const res = await check({ designId, fileUrl: fixtureUrl("preflight/png-gray.png") }, user.token);
      ids.push(res.body.data.reportId);
    }
    const first = await api(`${CHECKS}?limit=2`, { token: user.token });
    expect(first.status).toBe(200);
    expect(first.body.data.map((r: { designId: string }) => r.designId)).toEqual(["three", "two"]);
    expect(first.body.meta.nextCursor).toEqual(expect.any(String));
    const second = await api(`${CHECKS}?limit=2&cursor=${first.body.meta.nextCursor}`, { token: user.token });
    expect(second.body.data.map((r: { reportId: string }) => r.reportId)).toEqual([ids[0]]);
    expect(second.body.meta.nextCursor).toBeNull();

    const other = await api(CHECKS, { token: account.token });
    expect(other.body.data.map((r: { reportId: string }) => r.reportId)).not.toContain(ids[0]);
    expect((await api(`${CHECKS}/${ids[0]}`, { token: account.token })).status).toBe(404);
  });

  it("refuses a cursor it did not make and out-of-range limits", async () => {
    expect((await api(`${CHECKS}?cursor=not-a-cursor`, { token: account.token })).body.error).toBe("VALIDATION_ERROR");
    expect((await api(`${CHECKS}?limit=0`, { token: account.token })).status).toBe(400);
    expect((await api(`${CHECKS}?limit=101`, { token: account.token })).status).toBe(400);
  });

  it("deletes a report with its stored file; a second delete is 404", async () => {
    const created = await check({ designId: "gone", fileUrl: fixtureUrl("preflight/png-gray.png") });
    const { reportId } = created.body.data;
    const other = await signUp("not-owner");
    expect((await api(`${CHECKS}/${reportId}`, { method: "DELETE", token: other.token })).status).toBe(404);
    const deleted = await api(`${CHECKS}/${reportId}`, { method: "DELETE", token: account.token });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ data: { reportId, deleted: true } });
    expect((await api(`${CHECKS}/${reportId}`, { token: account.token })).status).toBe(404);
    expect(await env.FILES.head(preflightSourceKey(account.id, reportId))).toBeNull();
    expect((await api(`${CHECKS}/${reportId}`, { method: "DELETE", token: account.token })).status).toBe(404);
  });

  it("needs a bearer token", async () => {
    expect((await api(CHECKS)).status).toBe(401);
    expect((await api(CHECKS, { body: { designId: "x", fileUrl: "https://example.com/a.pdf" } })).status).toBe(401);
  });
});
