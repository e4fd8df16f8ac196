// Die-cut stickers through `npm run dev`, as a print shop gets them: a logo
// PNG with its own alpha and a photo of a person. Everything asserted is
// read back by independent tools: ImageMagick draws the logo and reads the
// PNG, rsvg-convert draws the SVG cut line, poppler renders the PDF and
// names its separations (pdftops writes %%DocumentCustomColors), qpdf checks
// its structure.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureUrl } from "../helpers/fixtures";
import { baseUrl, fundedShop, http } from "./http";

const run = promisify(execFile);
const MM_PER_INCH = 25.4;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "stickers-e2e-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function finished(token: string, jobId: string): Promise<any> {
  const deadline = Date.now() + 110_000;
  for (;;) {
    const res = await http(`/v1/services/stickers/${jobId}`, { token });
    if (res.body.status === "completed" || res.body.status === "failed") return res.body;
    if (Date.now() > deadline) throw new Error(`sticker ${jobId} still ${res.body.status}`);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** The same sticker with two border colours (see artworkOf). */
async function twins(token: string, body: Record<string, unknown>, colour: string, other: string): Promise<[any, any]> {
  const jobs = [];
  for (const border_color of [colour, other]) {
    const created = await http("/v1/services/stickers", { token, body: { ...body, border_color } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    jobs.push(await finished(token, created.body.job_id));
  }
  for (const job of jobs) expect(job.status, job.error_message).toBe("completed");
  return jobs as [any, any];
}

async function save(url: string, name: string): Promise<string> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const file = path.join(dir, name);
  writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
  return file;
}

/** RGBA pixels of an image file as ImageMagick decodes it. */
async function pixels(file: string): Promise<{ width: number; height: number; data: Buffer }> {
  const [width, height] = (await run("identify", ["-format", "%w %h", file])).stdout.split(" ").map(Number) as [number, number];
  const { stdout } = await run("convert", [file, "-depth", "8", "rgba:-"], { encoding: "buffer", maxBuffer: 512 * 1024 * 1024 });
  return { width, height, data: stdout as unknown as Buffer };
}

/** Centres (in mm) of the cut line's pixels in a rendering: magenta (no artwork colour of these stickers is). */
function magentaPoints(image: { width: number; height: number; data: Buffer }, pxPerMm: number): [number, number][] {
  const points: [number, number][] = [];
  for (let i = 0; i < image.width * image.height; i++) {
    const [r, g, b] = [image.data[i * 4]!, image.data[i * 4 + 1]!, image.data[i * 4 + 2]!];
    // Magenta and its anti-aliased blends with white (255, 160, 255): red and blue well above green.
    if (r - g > 60 && b - g > 40) points.push([((i % image.width) + 0.5) / pxPerMm, (Math.floor(i / image.width) + 0.5) / pxPerMm]);
  }
  return points;
}

/**
 * The artwork (alpha ≥ 50 %) of a sticker made twice with two border
 * colours B1, B2: inside the cut every pixel is the artwork over the border,
 * P = a·A + (1 − a)·B, so P1 − P2 = (1 − a)(B1 − B2) gives the artwork's
 * alpha a without knowing its colour.
 */
function artworkOf(one: { width: number; height: number; data: Buffer }, two: { data: Buffer }, b1: number[], b2: number[]): Uint8Array {
  const art = new Uint8Array(one.width * one.height);
  const spread = Math.hypot(b1[0]! - b2[0]!, b1[1]! - b2[1]!, b1[2]! - b2[2]!);
  for (let i = 0; i < art.length; i++) {
    const o = i * 4;
    if (one.data[o + 3]! < 250) continue;
    const diff = Math.hypot(one.data[o]! - two.data[o]!, one.data[o + 1]! - two.data[o + 1]!, one.data[o + 2]! - two.data[o + 2]!);
    art[i] = 1 - diff / spread >= 0.5 ? 1 : 0;
  }
  return art;
}

/** Distance (mm) from each point to the nearest artwork pixel's centre, searched within `reachMm`. */
function distancesToArtwork(png: { width: number; height: number }, art: Uint8Array, points: [number, number][], pxPerMm: number, reachMm: number): number[] {
  const reach = Math.ceil(reachMm * pxPerMm);
  return points.map(([xm, ym]) => {
    const cx = Math.floor(xm * pxPerMm);
    const cy = Math.floor(ym * pxPerMm);
    let best = Infinity;
    for (let y = Math.max(0, cy - reach); y <= Math.min(png.height - 1, cy + reach); y++) {
      for (let x = Math.max(0, cx - reach); x <= Math.min(png.width - 1, cx + reach); x++) {
        if (art[y * png.width + x]) best = Math.min(best, Math.hypot(x + 0.5 - xm * pxPerMm, y + 0.5 - ym * pxPerMm));
      }
    }
    return best / pxPerMm;
  });
}

/** `offShare`: the share of sampled pixels the PDF's rendering may miss the PNG over white by more than 12 levels. */
async function checkSticker(job: any, twin: any, label: string, offShare: number) {
  const pxPerMm = job.dpi / MM_PER_INCH;
  const pngFile = await save(job.output_url, `${label}.png`);
  const svgFile = await save(job.cut_svg_url, `${label}.svg`);
  const pdfFile = await save(job.cut_pdf_url, `${label}.pdf`);
  const png = await pixels(pngFile);
  const other = await pixels(await save(twin.output_url, `${label}-twin.png`));
  expect([other.width, other.height]).toEqual([png.width, png.height]);
  const hex = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
  const art = artworkOf(png, other, hex(job.border_color), hex(twin.border_color));
  expect([png.width, png.height]).toEqual([job.width_px, job.height_px]);
  expect(Number.parseFloat((await run("identify", ["-units", "PixelsPerInch", "-format", "%x", pngFile])).stdout)).toBeCloseTo(job.dpi, 0);

  // The SVG, drawn by rsvg-convert at the sticker's dpi: the same canvas as the PNG; its line border_mm from the artwork.
  const svgPng = path.join(dir, `${label}-svg.png`);
  await run("rsvg-convert", ["--dpi-x", String(job.dpi), "--dpi-y", String(job.dpi), "-b", "white", "-o", svgPng, svgFile]);
  const svg = await pixels(svgPng);
  expect(Math.abs(svg.width - png.width)).toBeLessThanOrEqual(1);
  expect(Math.abs(svg.height - png.height)).toBeLessThanOrEqual(1);
  const line = magentaPoints(svg, pxPerMm);
  expect(line.length).toBeGreaterThan(100);
  const distances = distancesToArtwork(png, art, line, pxPerMm, job.border_mm + job.min_radius_mm + 3);
  // Everywhere at least border_mm away (a pixel's tolerance for the drawn line's width and the artwork's edge pixels) …
  const pixel = 1 / pxPerMm;
  for (const d of distances) expect(d).toBeGreaterThan(job.border_mm - 0.25 - pixel);
  // … and within ±0.25 mm of it along most of the line (rounded concave turns and bridges only move out).
  const onOffset = distances.filter((d) => Math.abs(d - job.border_mm) <= 0.25 + pixel).length / distances.length;
  expect(onOffset, `${label}: share of the line at border_mm`).toBeGreaterThan(0.6);

  // The PDF: sound, CutContour a separation poppler knows, and its rendering is the PNG over white with the same line.
  expect((await run("qpdf", ["--check", pdfFile])).stdout).toContain("No syntax or stream encoding errors");
  const ps = path.join(dir, `${label}.ps`);
  // Separable PostScript, never rasterized (poppler would otherwise flatten a page with a soft mask into
  // one CMYK image): poppler lists every separation colour the page uses.
  await run("pdftops", ["-level3sep", "-rasterize", "never", pdfFile, ps]);
  const postscript = readFileSync(ps, "latin1");
  expect(postscript).toMatch(/%%DocumentCustomColors: \(CutContour\)/);
  expect(postscript).toMatch(/%%\+ 0 1 0 0 \(CutContour\)/);
  const rendered = path.join(dir, `${label}-pdf`);
  await run("pdftoppm", ["-r", String(job.dpi), "-png", "-singlefile", pdfFile, rendered]);
  const page = await pixels(`${rendered}.png`);
  expect(Math.abs(page.width - png.width)).toBeLessThanOrEqual(1);
  // The line lies in the border, away from the artwork; magenta-ish pixels of a photo are not the line.
  const pageLine = magentaPoints(page, pxPerMm).filter(([x, y]) => !art[Math.floor(y * pxPerMm) * png.width + Math.floor(x * pxPerMm)]);
  // The same line in both renderings: every PDF line pixel is within a pixel and a half of an SVG line pixel.
  const svgLine = new Set(line.map(([x, y]) => `${Math.floor(x * pxPerMm)},${Math.floor(y * pxPerMm)}`));
  // Away from the line (poppler strokes a hairline at least a pixel wide, anti-aliased), the page is the PNG over white.
  const nearLine = (x: number, y: number) => {
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) if (svgLine.has(`${x + dx},${y + dy}`)) return true;
    return false;
  };
  const near = pageLine.filter(([x, y]) => nearLine(Math.floor(x * pxPerMm), Math.floor(y * pxPerMm))).length;
  expect(near / pageLine.length).toBeGreaterThan(0.97);

  let compared = 0;
  let off = 0;
  for (let y = 0; y < Math.min(png.height, page.height); y += 3) {
    for (let x = 0; x < Math.min(png.width, page.width); x += 3) {
      if (nearLine(x, y)) continue;
      const o = (y * png.width + x) * 4;
      const a = png.data[o + 3]! / 255;
      const expected = [0, 1, 2].map((c) => png.data[o + c]! * a + 255 * (1 - a));
      // poppler may place the image up to a pixel off when it resamples it: the best of the 3 × 3 neighbours.
      let best = Infinity;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const p = (Math.min(page.height - 1, Math.max(0, y + dy)) * page.width + Math.min(page.width - 1, Math.max(0, x + dx))) * 4;
          best = Math.min(best, Math.max(...expected.map((e, c) => Math.abs(page.data[p + c]! - e))));
        }
      }
      if (best > 12) off++;
      compared++;
    }
  }
  expect(off / compared).toBeLessThan(offShare);
  return { distances };
}

describe("die-cut stickers through `npm run dev`", () => {
  it("a logo PNG with its own alpha: cut from its alpha, 30 tokens, PNG, SVG and PDF agree", async () => {
    // A logo a shop would send: a blue disc and a bar with lettering, on transparency (two pieces joined into one sticker).
    const logo = path.join(dir, "logo.png");
    await run("convert", [
      ...["-size", "900x600", "xc:none", "-fill", "#1d4ed8"],
      ...["-draw", "circle 220,300 220,90", "-draw", "roundrectangle 480,200 860,400 30,30"],
      ...["-fill", "#f59e0b", "-font", "DejaVu-Sans-Bold", "-pointsize", "110", "-annotate", "+500+350", "PC"],
      logo,
    ]);
    const shop = await fundedShop("stickers-logo", 1_000);
    const upload = await fetch(`${baseUrl()}/v1/services/uploads`, {
      method: "POST",
      headers: { authorization: `Bearer ${shop.token}`, "content-type": "image/png" },
      body: readFileSync(logo),
    });
    expect(upload.status).toBe(201);
    const fileUrl = ((await upload.json()) as { data: { fileUrl: string } }).data.fileUrl;
    const [job, twin] = await twins(shop.token, { image_url: fileUrl, subject_type: "logo", size_inches: 4, border_mm: 3 }, "#FFFFFF", "#000000");
    expect(job, job.error_message).toMatchObject({ status: "completed", alpha_source: "own_alpha", tokens_charged: 30, pieces: 1 });
    // The cut line's long side is 4 in; the canvas adds the default 1.5 mm of bleed on each side.
    const pxPerMm = 300 / MM_PER_INCH;
    expect(Math.abs(job.width_px - (4 * MM_PER_INCH + 3) * pxPerMm)).toBeLessThanOrEqual(2);
    await checkSticker(job, twin, "logo", 0.01);
  });

  it("a photo of a person: cut by the model, 180 tokens, PNG, SVG and PDF agree", async () => {
    const shop = await fundedShop("stickers-photo", 1_000);
    const [job, twin] = await twins(shop.token, { image_url: fixtureUrl("bg/astronaut.jpg"), subject_type: "person", size_inches: 3, dpi: 200, border_mm: 2.5 }, "#00FF00", "#FF00FF");
    expect(job, job.error_message).toMatchObject({ status: "completed", alpha_source: "model", tokens_charged: 180, pieces: 1 });
    // A photo's detail and its soft edge against the green border differ a little more where poppler resamples the image.
    await checkSticker(job, twin, "person", 0.03);
  });
});
