// Print-resolution files through `npm run dev`: 25 MP sources (the pixel
// limits, MAX_SOURCE_PIXELS and BG_REMOVE_MAX_PIXELS) and a CMYK JPEG, made
// at test time by ImageMagick from a real photo enlarged with film grain,
// served by the fixture server, through the API and both consumer Workers.
// Every expected value comes from the geometry, the docs' prices, and
// ImageMagick's `identify` on the downloaded result, never from the code
// under test.
//
// The files are generated once per machine into test/fixtures/.cache/
// (gitignored; a recipe change gets a new file name) and each job starts as
// soon as its own file is ready. The default suite runs a 25 MP progressive
// JPEG's background removal, a 25 MP PNG's check and 2× upscale (to 100 MP)
// and a 13.5 MP CMYK JPEG's background removal and check, all at once.
// PRINT_RESOLUTION_FULL=1 adds a 25 MP CMYK JPEG (background removal and
// check), which takes as long again on a 2-core machine.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { promisify } from "node:util";
import { describe, inject, it, type ExpectStatic } from "vitest";
import { fixtureUrl } from "../helpers/fixtures";
import { fundedShop, http } from "./http";

const run = promisify(execFile);
const FIXTURES = path.resolve(import.meta.dirname, "../fixtures");
const CACHE = ".cache/print-resolution";
const PHOTO = path.join(FIXTURES, "bg/chelsea.jpg");
const FULL = process.env.PRINT_RESOLUTION_FULL === "1";

const FUNDING = 1_000;
/** docs/background-removal.md and docs/ai-fixes.md. */
const BG_REMOVE_TOKENS = 150;
const UPSCALE_2X_TOKENS = 30;
/** Bounds for one job on a loaded 2-core machine; measured runs take a fraction of this. */
const JOB_TIMEOUT_MS = 420_000;

/** 6124 × 4082 = 24,998,168 pixels: the largest 3:2 frame within 25,000,000. */
const W25 = 6124;
const H25 = 4082;

interface Recipe {
  name: string;
  ext: "jpg" | "png";
  width: number;
  height: number;
  /** What follows the photo enlarged with grain. */
  output: string[];
}

/**
 * The photo enlarged to width × height with film grain: luminance-only Gaussian
 * noise added at half size and enlarged with the picture, so it clumps as grain
 * does and the encoders see a realistic amount of detail (the PNG stays under
 * 25 MiB, the source limit).
 */
function convertArgs(r: Recipe, out: string): string[] {
  const half = `${Math.round(r.width / 2)}x${Math.round(r.height / 2)}!`;
  return [
    PHOTO,
    ...["-filter", "Lanczos", "-resize", half, "-seed", "7"],
    ...["-colorspace", "YCbCr", "-channel", "R", "-attenuate", "0.3", "+noise", "Gaussian", "+channel", "-colorspace", "sRGB"],
    ...["-filter", "Triangle", "-resize", `${r.width}x${r.height}!`],
    ...r.output,
    out,
  ];
}

const RECIPES = {
  progressiveJpeg: { name: "photo-25mp-progressive", ext: "jpg", width: W25, height: H25, output: ["-interlace", "JPEG", "-sampling-factor", "2x2", "-quality", "90"] },
  png: { name: "photo-25mp", ext: "png", width: W25, height: H25, output: ["-density", "150", "-units", "PixelsPerInch"] },
  cmykJpeg: { name: "photo-13mp-cmyk", ext: "jpg", width: 4500, height: 3000, output: ["-colorspace", "CMYK", "-quality", "90"] },
  cmykJpeg25: { name: "photo-25mp-cmyk", ext: "jpg", width: W25, height: H25, output: ["-colorspace", "CMYK", "-quality", "90"] },
} satisfies Record<string, Recipe>;

const made = new Map<string, Promise<string>>();

/** The recipe's file (relative to test/fixtures), made once per machine; its name carries the recipe's hash. */
function source(r: Recipe): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify(convertArgs(r, ""))).digest("hex").slice(0, 10);
  const relative = `${CACHE}/${r.name}-${hash}.${r.ext}`;
  let file = made.get(relative);
  if (!file) {
    file = (async () => {
      const target = path.join(FIXTURES, relative);
      if (!existsSync(target)) {
        mkdirSync(path.dirname(target), { recursive: true });
        const partial = `${target}.${process.pid}.partial.${r.ext}`;
        try {
          await run("convert", convertArgs(r, partial), { maxBuffer: 1 << 20 });
          renameSync(partial, target);
        } finally {
          rmSync(partial, { force: true });
        }
      }
      return relative;
    })();
    made.set(relative, file);
  }
  return file;
}

async function identify(file: string, format: string): Promise<string> {
  return (await run("identify", ["-ping", "-format", format, file])).stdout.trim();
}

/** Smallest and largest alpha (0–255) of every pixel, by ImageMagick. */
async function alphaRange(file: string): Promise<[number, number]> {
  const { stdout } = await run("convert", [file, "-alpha", "extract", "-format", "%[fx:round(minima*255)] %[fx:round(maxima*255)]", "info:"]);
  const [min, max] = stdout.trim().split(" ").map(Number);
  return [min!, max!];
}

const OUT = path.resolve(import.meta.dirname, "../../test-results/print-resolution");

/** Streams a result link to test-results/print-resolution/<name>, kept for a failure's post-mortem until the next run. */
async function download(url: string, name: string): Promise<string> {
  mkdirSync(OUT, { recursive: true });
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`download ${url}: ${res.status}`);
  const file = path.join(OUT, name);
  await pipeline(Readable.fromWeb(res.body as NodeReadableStream), createWriteStream(file));
  return file;
}

/** The dev server's lines that name the job, and its errors, for a failure's message. */
function logOf(jobId: string): string {
  const lines = readFileSync(inject("devServerLog"), "utf8").replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  return lines.filter((l) => l.includes(jobId) || /\b(error|exceeded|out of memory|oom)\b/i.test(l)).slice(-40).join("\n");
}

async function until<T extends { status: string }>(jobId: string, read: () => Promise<T>): Promise<T> {
  const started = Date.now();
  let resets = 0;
  for (;;) {
    let seen: T;
    try {
      seen = await read();
    } catch (error) {
      // A poll's connection reset while the local server is saturated by the other jobs' checks is not
      // the job's outcome; the poll is asked again, a few times (wrangler retries GETs the same way).
      if (!(error instanceof TypeError) || ++resets > 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      continue;
    }
    if (seen.status === "completed" || seen.status === "failed") return seen;
    if (Date.now() - started > JOB_TIMEOUT_MS) throw new Error(`job ${jobId} still ${seen.status} after ${JOB_TIMEOUT_MS} ms; dev server:\n${logOf(jobId)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const timing = (what: string, parts: Record<string, string>) =>
  console.log(`[print-resolution] ${what}: ${Object.entries(parts).map(([k, v]) => `${k} ${v}`).join(", ")}`);

async function wallet(token: string): Promise<{ balance: number; held: number }> {
  const { balance, held } = (await http("/v1/wallet", { token })).body.data;
  return { balance, held };
}

async function check(token: string, fileUrl: string, fileType: "png" | "jpeg") {
  const report = await http("/v1/services/preflight/checks", {
    token,
    body: { designId: "print-resolution", fileUrl, fileType, productProfile: { requiredDpi: 300, bleedMm: 0 } },
  });
  if (report.status !== 201) throw new Error(`preflight: ${report.status} ${JSON.stringify(report.body)}`);
  return report.body.data;
}

/** A background removal of the recipe's file, checked against ImageMagick's view of the result. */
async function removesBackground(expect: ExpectStatic, r: Recipe) {
  const t0 = Date.now();
  const relative = await source(r);
  const made = seconds(t0);
  const shop = await fundedShop(`print-res-${r.name}`, FUNDING);
  const t1 = Date.now();
  const created = await http("/v1/services/bg-remove", { token: shop.token, body: { image_url: fixtureUrl(relative), subject_type: "product" } });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const jobId: string = created.body.job_id;
  const job = await until(jobId, async () => (await http(`/v1/services/bg-remove/${jobId}`, { token: shop.token })).body);
  const ran = seconds(t1);
  expect(job, `dev server:\n${logOf(jobId)}`).toMatchObject({ status: "completed", error_message: null, tokens_deducted: BG_REMOVE_TOKENS });

  const t2 = Date.now();
  const out = await download(job.output_url, `${r.name}-cutout.png`);
  // PNG, the source's full size, with an alpha channel that really cuts: some pixels fully out, some fully in.
  expect(await identify(out, "%m %w %h %[channels]")).toBe(`PNG ${r.width} ${r.height} srgba`);
  expect(await alphaRange(out)).toEqual([0, 255]);
  timing(`background removal of ${r.name}`, { "file made": made, job: ran, "download and identify": seconds(t2) });

  expect(await wallet(shop.token)).toEqual({ balance: FUNDING - BG_REMOVE_TOKENS, held: 0 });
}

// 25 MP jobs take minutes of CPU on 2 cores and share the image Worker with
// every other e2e job, which would push `npm test` past its time budget:
// they run with `npm run test:print-resolution` (PRINT_RESOLUTION=1).
(process.env.PRINT_RESOLUTION === "1" ? describe.concurrent : describe.skip)("print-resolution files through `npm run dev`", { timeout: JOB_TIMEOUT_MS + 180_000 }, () => {
  it("a 25 MP progressive JPEG: background removal at full resolution, alpha from 0 to 255", async ({ expect }) => {
    const relative = await source(RECIPES.progressiveJpeg);
    expect(await identify(path.join(FIXTURES, relative), "%w %h %[interlace]")).toBe(`${W25} ${H25} JPEG`);
    await removesBackground(expect, RECIPES.progressiveJpeg);
  });

  it("a 25 MP PNG: pixel checks with a sharpness score, then an upscale 2× to 12248 × 8164 at twice the dpi", async ({ expect }) => {
    const t0 = Date.now();
    const relative = await source(RECIPES.png);
    const made = seconds(t0);
    const sourceDpi = Number(await identify(path.join(FIXTURES, relative), "%x"));
    const shop = await fundedShop("print-res-png", FUNDING);

    const t1 = Date.now();
    const report = await check(shop.token, fixtureUrl(relative), "png");
    const checked = seconds(t1);
    expect(report.file, JSON.stringify(report.issues)).toMatchObject({ widthPx: W25, heightPx: H25, format: "png", pixelsAnalyzed: true, alphaUsed: false });
    const { sharpness } = report.file;
    expect(sharpness.score).toBeGreaterThan(0);
    expect(sharpness.score).toBeLessThanOrEqual(1);
    // Measured on a grey copy at most 1,024 px long (docs/preflight.md).
    expect(Math.max(sharpness.sampledWidthPx, sharpness.sampledHeightPx)).toBe(1024);
    expect(report.issues.some((i: { code: string }) => i.code === "SOFT_IMAGE")).toBe(sharpness.score < sharpness.threshold);
    expect(report.issues.map((i: { code: string }) => i.code)).not.toContain("RASTER_TOO_LARGE");

    const t2 = Date.now();
    const created = await http("/v1/services/preflight/ai-jobs", {
      token: shop.token,
      body: { preflightReportId: report.reportId, options: { fixTypes: ["upscale_resolution_2x"] } },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const jobId: string = created.body.data.jobId;
    const job = await until(jobId, async () => (await http(`/v1/services/preflight/ai-jobs/${jobId}`, { token: shop.token })).body.data);
    const upscaled = seconds(t2);
    expect(job, `dev server:\n${logOf(jobId)}`).toMatchObject({
      status: "completed",
      errorMessage: null,
      appliedFixTypes: ["upscale_resolution_2x"],
      tokensDeducted: UPSCALE_2X_TOKENS,
      tokensCharged: UPSCALE_2X_TOKENS,
      tokensRefunded: 0,
    });

    const t3 = Date.now();
    const out = await download(job.correctedFileUrl, "photo-25mp-upscaled.png");
    const [format, width, height, dpi] = (await identify(out, "%m %w %h %x")).split(" ");
    timing("25 MP PNG", { "file made": made, check: checked, "upscale 2x": upscaled, "download and identify": seconds(t3) });
    expect([format, Number(width), Number(height)]).toEqual(["PNG", 2 * W25, 2 * H25]);
    // pHYs holds whole pixels per metre, so twice the source's dpi is exact to within one of them.
    expect(Math.abs(Number(dpi) - 2 * sourceDpi), `pHYs ${dpi} px/cm for a source of ${sourceDpi}`).toBeLessThan(0.02);

    expect(await wallet(shop.token)).toEqual({ balance: FUNDING - UPSCALE_2X_TOKENS, held: 0 });
  });

  for (const recipe of FULL ? [RECIPES.cmykJpeg, RECIPES.cmykJpeg25] : [RECIPES.cmykJpeg]) {
    const mp = ((recipe.width * recipe.height) / 1e6).toFixed(1);
    it(`a ${mp} MP CMYK JPEG: background removal at full resolution`, async ({ expect }) => {
      const relative = await source(recipe);
      expect(await identify(path.join(FIXTURES, relative), "%w %h %[colorspace]")).toBe(`${recipe.width} ${recipe.height} CMYK`);
      await removesBackground(expect, recipe);
    });

    it(`a ${mp} MP CMYK JPEG: a preflight check decodes its pixels`, async ({ expect }) => {
      const relative = await source(recipe);
      const shop = await fundedShop(`print-res-check-${recipe.name}`, 0);
      const t0 = Date.now();
      const report = await check(shop.token, fixtureUrl(relative), "jpeg");
      timing(`check of ${recipe.name}`, { check: seconds(t0) });
      expect(report.file, JSON.stringify(report.issues)).toMatchObject({ widthPx: recipe.width, heightPx: recipe.height, format: "jpeg", colorMode: "cmyk", pixelsAnalyzed: true });
      expect(report.file.sharpness.score).toBeGreaterThan(0);
      expect(report.issues.map((i: { code: string }) => i.code)).not.toContain("PIXEL_CHECKS_SKIPPED");
      expect(await wallet(shop.token)).toEqual({ balance: 0, held: 0 });
    });
  }
});
