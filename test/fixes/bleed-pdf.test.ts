import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, type PDFPage } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { addPdfBleed, type Box } from "../../src/fixes/bleed-pdf";
import { FixNotApplicableError } from "../../src/fixes/errors";
import { fixtureBytes } from "../helpers/fixtures";

const BLEED_MM = 3;
/** 1 in = 25.4 mm = 72 pt. */
const PT_PER_MM = 72 / 25.4;
const BLEED_PT = BLEED_MM * PT_PER_MM;

type BoxName = "MediaBox" | "CropBox" | "BleedBox" | "TrimBox";
const BOX_NAMES: BoxName[] = ["MediaBox", "CropBox", "BleedBox", "TrimBox"];

/** One page as qpdf (exact, as the page dictionary holds it) and pdfinfo -box (defaults applied) read the source file. */
interface SourcePage {
  page: number;
  qpdf: Partial<Record<BoxName, number[]>> & { Rotate?: number };
  pdfinfoBox: Record<BoxName, number[]> & { rot: number };
}
let sources: Record<string, { fixture: string; pages: SourcePage[] }>;

beforeAll(async () => {
  sources = JSON.parse(new TextDecoder().decode(await fixtureBytes("fixes/pdf-bleed-sources.json"))).files;
});

interface Geometry {
  rotate: number;
  trim: Box;
  /** The trim grown by the bleed on every side: MediaBox, CropBox and BleedBox after the fix. */
  grown: Box;
  centre: [number, number];
  /** The exact content scale the geometry asks for; 1 when the file's bleed already reaches. */
  scale: number;
}

/** What adding the bleed must make of a source page, worked out from its boxes and the bleed width alone. */
function geometryOf(source: SourcePage): Geometry {
  const media = source.qpdf.MediaBox!;
  // PDF 32000-1 §14.11.2: the CropBox defaults to the MediaBox, BleedBox and TrimBox to the CropBox.
  const crop = source.qpdf.CropBox ?? media;
  const trim = (source.qpdf.TrimBox ?? crop) as unknown as Box;
  const printed = source.qpdf.BleedBox ?? crop;
  // Those defaults are poppler's reading of the same file too.
  const mine: Record<BoxName, readonly number[]> = { MediaBox: media, CropBox: crop, BleedBox: printed, TrimBox: trim };
  for (const name of BOX_NAMES) mine[name].forEach((v, i) => expect(Math.abs(v - source.pdfinfoBox[name][i]!), `${name} as pdfinfo reads it`).toBeLessThanOrEqual(0.005));

  const [w, h] = [trim[2] - trim[0], trim[3] - trim[1]];
  // Bleed the file already has: left, bottom, right, top.
  const existing = [trim[0] - printed[0]!, trim[1] - printed[1]!, printed[2]! - trim[2], printed[3]! - trim[3]];
  let scale = 1;
  if (!existing.every((side) => side >= BLEED_PT)) {
    // The fixtures either stop at the trim or already have the whole bleed; the formula below is for the first kind.
    expect(existing).toEqual([0, 0, 0, 0]);
    // Scaled by k about the trim's centre, an edge at the trim moves out by (k − 1)·w/2. To reach
    // the bleed's edge k = (w + 2·bleed) / w per axis; one uniform k, so the narrower axis decides.
    scale = Math.max((w + 2 * BLEED_PT) / w, (h + 2 * BLEED_PT) / h);
  }
  return {
    rotate: source.qpdf.Rotate ?? 0,
    trim,
    grown: [trim[0] - BLEED_PT, trim[1] - BLEED_PT, trim[2] + BLEED_PT, trim[3] + BLEED_PT],
    centre: [(trim[0] + trim[2]) / 2, (trim[1] + trim[3]) / 2],
    scale,
  };
}

/** A box as the page dictionary holds it, read with pdf-lib's object model only. */
function boxIn(page: PDFPage, name: BoxName): number[] | undefined {
  const ctx = page.doc.context;
  const value = ctx.lookup(page.node.get(PDFName.of(name)));
  return value instanceof PDFArray ? value.asArray().map((n) => ctx.lookup(n, PDFNumber).asNumber()) : undefined;
}

/** The raw bytes of each of the page's content streams, in order. */
function contentStreams(page: PDFPage): Uint8Array[] {
  const ctx = page.doc.context;
  const contents = page.node.get(PDFName.of("Contents"));
  const resolved = ctx.lookup(contents);
  const refs = resolved instanceof PDFArray ? resolved.asArray() : [contents];
  return refs.map((ref) => {
    const stream = ctx.lookup(ref);
    expect(stream, "a content stream").toBeInstanceOf(PDFRawStream);
    return (stream as PDFRawStream).contents;
  });
}

/** Boxes within the 4 decimals the fix writes (half a unit of the last place). */
function expectBox(actual: readonly number[] | undefined, wanted: Box, what: string) {
  expect(actual, what).toHaveLength(4);
  actual!.forEach((v, i) => expect(Math.abs(v - wanted[i]!), `${what}[${i}] = ${v}, the geometry says ${wanted[i]}`).toBeLessThanOrEqual(0.00005 + 1e-9));
}

/**
 * Adds the bleed to a fixture and checks every page against the geometry of its source:
 * boxes in the report and in the file, rotation, the content scale, and the content
 * wrapped in `q <scale about the trim centre> cm … Q` around the untouched original streams.
 */
async function bleedAndCheck(relative: string) {
  const name = relative.split("/").pop()!;
  const source = sources[name]!;
  expect(source.fixture).toBe(relative);
  const input = await fixtureBytes(relative);
  const before = await PDFDocument.load(input);
  const result = await addPdfBleed(input, BLEED_MM);
  const doc = await PDFDocument.load(result.bytes);
  expect(doc.getPageCount()).toBe(source.pages.length);
  expect(result.pages).toHaveLength(source.pages.length);
  const geometries = source.pages.map(geometryOf);
  doc.getPages().forEach((page, i) => {
    const want = geometries[i]!;
    const reported = result.pages[i]!;
    expect(reported.page).toBe(i + 1);
    expect(reported.rotate).toBe(want.rotate);
    expect(page.getRotation().angle).toBe(want.rotate);
    expect(reported.trimBox).toEqual(want.trim);
    expectBox(reported.mediaBox, want.grown, "reported mediaBox");
    expectBox(reported.bleedBox, want.grown, "reported bleedBox");
    // The trim is the cut: written back exactly.
    expect(boxIn(page, "TrimBox")).toEqual(want.trim);
    for (const box of ["MediaBox", "CropBox", "BleedBox"] as const) expectBox(boxIn(page, box), want.grown, box);

    const original = contentStreams(before.getPage(i));
    const streams = contentStreams(page);
    if (want.scale === 1) {
      expect(reported.scale).toBe(1);
      expect(streams).toEqual(original);
      return;
    }
    // Written rounded up to 6 decimals, so that it still covers the bleed.
    expect(reported.scale).toBeGreaterThanOrEqual(want.scale);
    expect(reported.scale - want.scale).toBeLessThan(1e-6);
    expect(streams).toHaveLength(original.length + 2);
    expect(streams.slice(1, -1)).toEqual(original);
    const open = new TextDecoder().decode(streams[0]);
    const cm = /^q\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+cm\s*$/.exec(open);
    expect(cm, `first content stream: ${JSON.stringify(open)}`).not.toBeNull();
    const [a, b, c, d, e, f] = cm!.slice(1).map(Number) as [number, number, number, number, number, number];
    expect([b, c]).toEqual([0, 0]);
    expect(a).toBe(reported.scale);
    expect(d).toBe(reported.scale);
    // Scaling by k about (cx, cy) is x' = k·x + cx·(1 − k): the trim's centre stays put.
    const [cx, cy] = want.centre;
    expect(Math.abs(e - cx * (1 - a)), `cm e = ${e}`).toBeLessThanOrEqual(1e-6);
    expect(Math.abs(f - cy * (1 - a)), `cm f = ${f}`).toBeLessThanOrEqual(1e-6);
    expect(new TextDecoder().decode(streams.at(-1)).trim()).toBe("Q");
  });
  return { result, doc, geometries };
}

/** Does the content that printed before (`printed`), scaled by k about the trim centre, cover `target`? */
function covers(printed: Box, trim: Box, k: number, target: Box): boolean {
  const cx = (trim[0] + trim[2]) / 2;
  const cy = (trim[1] + trim[3]) / 2;
  return cx + k * (printed[0] - cx) <= target[0] + 1e-6 && cy + k * (printed[1] - cy) <= target[1] + 1e-6 && cx + k * (printed[2] - cx) >= target[2] - 1e-6 && cy + k * (printed[3] - cy) >= target[3] - 1e-6;
}

describe("PDF scale-to-bleed", () => {
  it("grows a 4×6 in page without bleed by 3 mm per side and scales its content to cover it", async () => {
    const { result, geometries } = await bleedAndCheck("preflight/pdf-rgb-nobleed-4x6.pdf");
    const [page] = result.pages;
    const [want] = geometries;
    // 4 × 6 in: the 4 in side is the narrower and decides the scale.
    const width = want!.trim[2] - want!.trim[0];
    expect(want!.scale).toBe((width + 2 * BLEED_PT) / width);
    // What printed before (the trim) covers the new bleed area once scaled.
    expect(covers(want!.trim, want!.trim, page!.scale, want!.grown)).toBe(true);
  });

  it("treats every page of a multi-page PDF", async () => {
    const { result, geometries } = await bleedAndCheck("preflight/pdf-image-ppi-72-150-300.pdf");
    expect(result.pages).toHaveLength(4);
    for (const want of geometries) expect(want.scale).toBeGreaterThan(1);
  });

  it("leaves a page that already has 3 mm of bleed unscaled and its trim exactly as it was", async () => {
    const { result, geometries } = await bleedAndCheck("preflight/pdf-bleed-3mm.pdf");
    // The fixture's bleed, 8.504 pt, is just over 3 mm (8.50394 pt).
    expect(geometries[0]!.scale).toBe(1);
    expect(result.pages[0]!.scale).toBe(1);
  });

  it("handles a /Rotate 90 page in user space: same boxes and scale as unrotated, rotation kept", async () => {
    const { result } = await bleedAndCheck("fixes/pdf-rotated-90-4x6.pdf");
    const unrotated = await addPdfBleed(await fixtureBytes("preflight/pdf-rgb-nobleed-4x6.pdf"), BLEED_MM);
    expect(result.pages[0]!.rotate).toBe(90);
    expect({ ...result.pages[0]!, rotate: 0 }).toEqual(unrotated.pages[0]);
  });

  it("moves annotations with the content they sit on", async () => {
    const doc = await PDFDocument.load(await fixtureBytes("preflight/pdf-rgb-nobleed-4x6.pdf"));
    const ctx = doc.context;
    // A link over the blue header band (18 342 270 414) and a highlight with QuadPoints.
    const link = ctx.register(ctx.obj({ Type: "Annot", Subtype: "Link", Rect: [18, 342, 270, 414], Border: [0, 0, 0] }));
    const mark = ctx.register(ctx.obj({ Type: "Annot", Subtype: "Highlight", Rect: [144, 216, 200, 230], QuadPoints: [144, 230, 200, 230, 144, 216, 200, 216] }));
    doc.getPage(0).node.set(PDFName.of("Annots"), ctx.obj([link, mark]));
    const result = await addPdfBleed(await doc.save(), BLEED_MM);
    const out = await PDFDocument.load(result.bytes);
    const annots = out.getPage(0).node.Annots()!.asArray().map((ref) => out.context.lookup(ref, PDFDict));
    const k = result.pages[0]!.scale;
    const map = (x: number, y: number) => [144 + k * (x - 144), 216 + k * (y - 216)];
    const rect = out.context
      .lookup(annots[0]!.get(PDFName.of("Rect")), PDFArray)
      .asArray()
      .map((n) => (n as PDFNumber).asNumber());
    [...map(18, 342), ...map(270, 414)].forEach((v, i) => expect(rect[i]).toBeCloseTo(v, 3));
    const quad = out.context
      .lookup(annots[1]!.get(PDFName.of("QuadPoints")), PDFArray)
      .asArray()
      .map((n) => (n as PDFNumber).asNumber());
    // The trim centre is a fixed point of the scale.
    expect(quad.slice(4, 6)).toEqual([144, 216]);
    expect(quad[2]).toBeCloseTo(map(200, 230)[0]!, 3);
  });

  it("refuses an encrypted PDF as not applicable", async () => {
    await expect(addPdfBleed(await fixtureBytes("preflight/pdf-encrypted-userpw.pdf"), BLEED_MM)).rejects.toBeInstanceOf(FixNotApplicableError);
  });
});
