import { PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRawStream, type PDFPage } from "pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { addPdfBleed, type Box } from "../../src/fixes/bleed-pdf";
import { readBox } from "../../src/preflight/pdf/boxes";
import { FixNotApplicableError } from "../../src/fixes/errors";
import { fixtureBytes } from "../helpers/fixtures";

const BLEED_MM = 3;
const BLEED_PT = (BLEED_MM / 25.4) * 72; // 8.50394

interface PdfinfoPage {
  page: number;
  rot: number;
  MediaBox: number[];
  CropBox: number[];
  BleedBox: number[];
  TrimBox: number[];
}
let pdfinfo: Record<string, { scales: { page: number; scale: number }[]; pdfinfoBox: PdfinfoPage[] }>;

beforeAll(async () => {
  pdfinfo = JSON.parse(new TextDecoder().decode(await fixtureBytes("fixes/pdf-bleed-expected.json"))).files;
});

function boxesOf(page: PDFPage) {
  const ctx = page.doc.context;
  const get = (name: string) => readBox(ctx, page.node.get(PDFName.of(name)));
  return { MediaBox: get("MediaBox"), CropBox: get("CropBox"), BleedBox: get("BleedBox"), TrimBox: get("TrimBox") };
}

function contentStreams(page: PDFPage): string[] {
  const ctx = page.doc.context;
  const contents = ctx.lookup(page.node.get(PDFName.of("Contents")));
  const refs = contents instanceof PDFArray ? contents.asArray() : [page.node.get(PDFName.of("Contents"))];
  return refs.map((ref) => {
    const stream = ctx.lookup(ref);
    return stream instanceof PDFRawStream && !stream.dict.has(PDFName.of("Filter")) ? new TextDecoder().decode(stream.contents) : "<encoded>";
  });
}

/** Read back with pdf-lib and compare with what pdfinfo -box printed for the same run (2 decimals). */
async function bleedAndCheck(relative: string) {
  const name = relative.split("/").pop()!;
  const result = await addPdfBleed(await fixtureBytes(relative), BLEED_MM);
  const doc = await PDFDocument.load(result.bytes);
  const expected = pdfinfo[name]!;
  expect(doc.getPageCount()).toBe(expected.pdfinfoBox.length);
  expect(result.pages.map((p) => ({ page: p.page, scale: p.scale }))).toEqual(expected.scales);
  doc.getPages().forEach((page, i) => {
    const boxes = boxesOf(page);
    const info = expected.pdfinfoBox[i]!;
    expect(page.getRotation().angle).toBe(info.rot);
    for (const key of ["MediaBox", "CropBox", "BleedBox", "TrimBox"] as const) {
      boxes[key]!.forEach((v, k) => expect(Math.abs(v - info[key][k]!)).toBeLessThanOrEqual(0.005));
    }
  });
  return { result, doc };
}

/** Does the content that printed before (`printed`), scaled by k about the trim centre, cover `target`? */
function covers(printed: Box, trim: Box, k: number, target: Box): boolean {
  const cx = (trim[0] + trim[2]) / 2;
  const cy = (trim[1] + trim[3]) / 2;
  return cx + k * (printed[0] - cx) <= target[0] + 1e-6 && cy + k * (printed[1] - cy) <= target[1] + 1e-6 && cx + k * (printed[2] - cx) >= target[2] - 1e-6 && cy + k * (printed[3] - cy) >= target[3] - 1e-6;
}

describe("PDF scale-to-bleed", () => {
  it("grows a 4×6 in page without bleed by 3 mm per side and scales its content to cover it", async () => {
    const { result, doc } = await bleedAndCheck("preflight/pdf-rgb-nobleed-4x6.pdf");
    const [page] = result.pages;
    expect(page!.trimBox).toEqual([0, 0, 288, 432]);
    expect(page!.mediaBox).toEqual([-8.5039, -8.5039, 296.5039, 440.5039]);
    expect(page!.bleedBox).toEqual(page!.mediaBox);
    // The narrow side decides: (288 + 2·8.50394) / 288.
    expect(page!.scale).toBeCloseTo((288 + 2 * BLEED_PT) / 288, 5);
    expect(page!.scale).toBeGreaterThanOrEqual((288 + 2 * BLEED_PT) / 288);
    expect(covers([0, 0, 288, 432], [0, 0, 288, 432], page!.scale, [-BLEED_PT, -BLEED_PT, 288 + BLEED_PT, 432 + BLEED_PT])).toBe(true);
    const streams = contentStreams(doc.getPage(0));
    expect(streams[0]).toBe("q 1.059056 0 0 1.059056 -8.504064 -12.756096 cm\n");
    expect(streams[streams.length - 1]).toBe("\nQ\n");
    expect(streams.length).toBeGreaterThanOrEqual(3);
  });

  it("treats every page of a multi-page PDF", async () => {
    const { result } = await bleedAndCheck("preflight/pdf-image-ppi-72-150-300.pdf");
    expect(result.pages).toHaveLength(4);
    for (const page of result.pages) {
      expect(page.trimBox).toEqual([0, 0, 360, 360]);
      expect(page.mediaBox).toEqual([-8.5039, -8.5039, 368.5039, 368.5039]);
      expect(page.scale).toBeCloseTo((360 + 2 * BLEED_PT) / 360, 5);
    }
  });

  it("leaves a page that already has 3 mm of bleed unscaled and its trim exactly as it was", async () => {
    const source = await PDFDocument.load(await fixtureBytes("preflight/pdf-bleed-3mm.pdf"));
    const trimBefore = boxesOf(source.getPage(0)).TrimBox;
    const { result, doc } = await bleedAndCheck("preflight/pdf-bleed-3mm.pdf");
    expect(result.pages[0]!.scale).toBe(1);
    expect(boxesOf(doc.getPage(0)).TrimBox).toEqual(trimBefore);
    expect(contentStreams(doc.getPage(0)).some((s) => s.includes(" cm\n") && s.startsWith("q "))).toBe(false);
  });

  it("handles a /Rotate 90 page in user space: same boxes and scale as unrotated, rotation kept", async () => {
    const { result } = await bleedAndCheck("fixes/pdf-rotated-90-4x6.pdf");
    expect(result.pages[0]).toMatchObject({ rotate: 90, trimBox: [0, 0, 288, 432], mediaBox: [-8.5039, -8.5039, 296.5039, 440.5039], scale: 1.059056 });
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
    const rect = readBox(out.context, annots[0]!.get(PDFName.of("Rect")))!;
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
