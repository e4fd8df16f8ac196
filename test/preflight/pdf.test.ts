import { zlibSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import type { Requirements } from "../../src/preflight/issues";
import { analyzePdf, type PdfFacts } from "../../src/preflight/pdf/analyze";
import type { PdfFont } from "../../src/preflight/pdf/facts";
import { fixtureBytes, PREFLIGHT_PDFS } from "../helpers/fixtures";
import { concatBytes } from "../../src/platform/encoding";

/** What expected.json records per PDF fixture (the parts these tests compare). */
interface Expected {
  intended: Record<string, unknown>;
  pdfinfo: { exitCode: number; pages?: number; pdfVersion?: string; encrypted?: boolean };
  pdfinfoBoxes?: { page: number; MediaBox: number[]; CropBox: number[]; BleedBox: number[]; TrimBox: number[] }[];
  pdffonts: { exitCode: number; fonts: { name: string; type: string; emb: boolean; sub: boolean }[] };
  pdfimagesList: { exitCode: number; images: { page: number; type: string; width: number; height: number; color: string; bpc: number; xPpi: number; yPpi: number }[] };
  qpdfStructure: {
    exitCode: number;
    colorSpacesUsedAllPages?: string[];
    hasTransparency?: boolean;
    minStrokeWidthPt?: number | null;
    pages?: {
      boxesInPageDict: string[];
      boxesExact: Record<string, number[]>;
      imagePlacements: { widthPt: number; heightPt: number; xPpi: number; yPpi: number }[];
      extGStatesUsed: { ca?: number; CA?: number; BM?: string }[];
    }[];
  };
}

const PDFS = PREFLIGHT_PDFS;

/** Profile that raises nothing by itself: each test sets the requirement it exercises. */
const LENIENT: Requirements = { requiredDpi: 1, requiredColorMode: "any", bleedMm: 0 };

let expected: Record<string, Expected>;
const analyses = new Map<string, PdfFacts>();

async function analyze(name: string, req: Requirements = LENIENT) {
  return analyzePdf(await fixtureBytes(`preflight/${name}`), req);
}

beforeAll(async () => {
  const json = JSON.parse(new TextDecoder().decode(await fixtureBytes("preflight/expected.json"))) as { fixtures: Record<string, Expected> };
  expected = json.fixtures;
  for (const name of [...PDFS, "pdf-encrypted-userpw.pdf"]) analyses.set(name, (await analyze(name)).file);
});

/** pdffonts' names for font types, from the subtype and font file kind. */
function pdffontsType(font: PdfFont): string {
  if (font.type === "Type1") return font.fontFile === "FontFile3" ? "Type 1C" : "Type 1";
  if (font.type === "Type0/CIDFontType2") return "CID TrueType";
  if (font.type === "Type0/CIDFontType0") return "CID Type 0C";
  if (font.type === "Type3") return "Type 3";
  return font.type;
}

/** pdfimages' colour column for a colour space label. */
function pdfimagesColor(label: string | null): string {
  if (label === "DeviceRGB") return "rgb";
  if (label === "DeviceCMYK") return "cmyk";
  if (label === "DeviceGray") return "gray";
  if (label?.startsWith("ICCBased")) return "icc";
  if (label?.startsWith("Indexed")) return "index";
  return String(label);
}

function expectBoxCloseTo(actual: number[], wanted: number[] | undefined, digits: number) {
  expect(wanted).toBeDefined();
  expect(actual).toHaveLength(4);
  actual.forEach((value, i) => expect(value).toBeCloseTo(wanted![i]!, digits));
}

describe("analyzePdf agrees with poppler and qpdf on the fixtures", () => {
  it.each([...PDFS, "pdf-encrypted-userpw.pdf"])("%s: pages, version and boxes (pdfinfo -box, qpdf)", (name) => {
    const facts = analyses.get(name)!;
    const want = expected[name]!;
    expect(facts.pages).toBe(want.intended.pages);
    if (want.pdfinfo.exitCode === 0) {
      expect(facts.pages).toBe(want.pdfinfo.pages);
      expect(facts.pdfVersion).toBe(want.pdfinfo.pdfVersion);
    }
    expect(facts.pageBoxes).toHaveLength(want.pdfinfoBoxes!.length);
    for (const [i, boxes] of facts.pageBoxes.entries()) {
      const info = want.pdfinfoBoxes![i]!;
      expect(boxes.page).toBe(info.page);
      // pdfinfo prints two decimals; qpdf's walk has the exact numbers of the file.
      expectBoxCloseTo(boxes.mediaBoxPt, info.MediaBox, 2);
      expectBoxCloseTo(boxes.cropBoxPt, info.CropBox, 2);
      expectBoxCloseTo(boxes.bleedBoxPt, info.BleedBox, 2);
      expectBoxCloseTo(boxes.trimBoxPt, info.TrimBox, 2);
      const exact = want.qpdfStructure.pages![i]!;
      expect([...boxes.boxesInFile].sort()).toEqual([...exact.boxesInPageDict].sort());
      for (const [box, values] of Object.entries(exact.boxesExact)) {
        const key = `${box[0]!.toLowerCase()}${box.slice(1)}Pt` as "mediaBoxPt";
        expectBoxCloseTo(boxes[key], values, 6);
      }
    }
  });

  it.each([...PDFS, "pdf-encrypted-userpw.pdf"])("%s: fonts, embedded and subset (pdffonts)", (name) => {
    const facts = analyses.get(name)!;
    const fonts = facts.fonts.map((f) => ({ name: f.name, type: pdffontsType(f), emb: f.embedded, sub: f.subset }));
    const wanted = expected[name]!.pdffonts.fonts.map((f) => ({ name: f.name, type: f.type, emb: f.emb, sub: f.sub }));
    expect(fonts.sort((a, b) => a.name.localeCompare(b.name))).toEqual(wanted.sort((a, b) => a.name.localeCompare(b.name)));
  });

  it.each(PDFS)("%s: placed images and their ppi (pdfimages -list, qpdf placements)", (name) => {
    const facts = analyses.get(name)!;
    const want = expected[name]!;
    const listed = want.pdfimagesList.images.filter((image) => image.type === "image");
    expect(facts.images).toHaveLength(listed.length);
    for (const [i, image] of facts.images.entries()) {
      const tool = listed[i]!;
      expect({ page: image.page, width: image.widthPx, height: image.heightPx, color: pdfimagesColor(image.colorSpace), bpc: image.bitsPerComponent }).toEqual({
        page: tool.page,
        width: tool.width,
        height: tool.height,
        color: tool.color,
        bpc: tool.bpc,
      });
      // pdfimages rounds ppi to integers.
      expect(Math.abs(image.xPpi - tool.xPpi)).toBeLessThanOrEqual(1);
      expect(Math.abs(image.yPpi - tool.yPpi)).toBeLessThanOrEqual(1);
      expect(image.effectivePpi).toBe(Math.min(image.xPpi, image.yPpi));
      const placement = want.qpdfStructure.pages![image.page - 1]!.imagePlacements[0]!;
      expect(image.xPpi).toBeCloseTo(placement.xPpi, 2);
      expect(image.yPpi).toBeCloseTo(placement.yPpi, 2);
      expect(image.placedWidthIn * 72).toBeCloseTo(placement.widthPt, 2);
      expect(image.placedHeightIn * 72).toBeCloseTo(placement.heightPt, 2);
    }
  });

  it.each(PDFS)("%s: colour spaces, transparency and stroke widths (qpdf walk)", (name) => {
    const facts = analyses.get(name)!;
    const qpdf = expected[name]!.qpdfStructure;
    expect(facts.colorSpaces.map((cs) => cs.name).sort()).toEqual([...qpdf.colorSpacesUsedAllPages!].sort());
    expect(facts.transparency.used).toBe(qpdf.hasTransparency);
    if (qpdf.minStrokeWidthPt === null) expect(facts.minLineWidthPt).toBeNull();
    else expect(facts.minLineWidthPt).toBeCloseTo(qpdf.minStrokeWidthPt!, 4);
    expect(facts.encrypted).toBe(false);
    expect(facts.damaged).toBe(false);
    expect(facts.contentAnalyzed).toBe(true);
    expect(facts.limits).toEqual([]);
  });

  it("a clean file raises nothing under a profile it meets", async () => {
    const { issues } = await analyze("pdf-rgb-nobleed-4x6.pdf", { requiredDpi: 100, requiredColorMode: "rgb", bleedMm: 0, canvas: { widthInches: 4, heightInches: 6 } });
    expect(issues).toEqual([]);
  });

  it("returns JSON that survives a round trip unchanged", async () => {
    const analysis = await analyze("pdf-transparency.pdf", { requiredDpi: 300, requiredColorMode: "cmyk", bleedMm: 3 });
    expect(JSON.parse(JSON.stringify(analysis))).toEqual(analysis);
  });
});

describe("trim size and bleed", () => {
  it("measures 3 mm of bleed on every side of the bleed fixture and accepts it", async () => {
    const { file, issues } = await analyze("pdf-bleed-3mm.pdf", { ...LENIENT, bleedMm: 3, canvas: { widthInches: 4, heightInches: 6 } });
    const boxes = file.pageBoxes[0]!;
    expect(boxes.trimSizeInches).toEqual({ width: 4, height: 6 });
    expect(boxes.trimSizeMm).toEqual({ width: 101.6, height: 152.4 });
    // Each side's bleed from the boxes as qpdf reads them from the file: (trim − bleed box) pt × 25.4 / 72.
    const exact = expected["pdf-bleed-3mm.pdf"]!.qpdfStructure.pages![0]!.boxesExact;
    const [trim, bleed] = [exact.TrimBox!, exact.BleedBox ?? exact.MediaBox!];
    const mm = (pt: number) => (pt * 25.4) / 72;
    const sides = { left: mm(trim[0]! - bleed[0]!), bottom: mm(trim[1]! - bleed[1]!), right: mm(bleed[2]! - trim[2]!), top: mm(bleed[3]! - trim[3]!) };
    for (const side of Object.values(sides)) expect(side).toBeGreaterThan(3);
    expect(boxes.bleedMm.left).toBeCloseTo(sides.left, 3);
    expect(boxes.bleedMm.bottom).toBeCloseTo(sides.bottom, 3);
    expect(boxes.bleedMm.right).toBeCloseTo(sides.right, 3);
    expect(boxes.bleedMm.top).toBeCloseTo(sides.top, 3);
    expect(boxes.trimBoxMm).toEqual([3, 3, 104.6, 155.4]);
    expect(issues).toEqual([]);
  });

  it("raises a fixable MISSING_BLEED when the bleed is short", async () => {
    const { issues } = await analyze("pdf-bleed-3mm.pdf", { ...LENIENT, bleedMm: 5 });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: "MISSING_BLEED", severity: "error", page: 1, fixable: true, fixType: "add_bleed", details: { requiredMm: 5 } });
    expect((issues[0]!.details.shortestMm as number)).toBeCloseTo(3, 3);
  });

  it("raises MISSING_BLEED for a page whose trim is its MediaBox, and nothing when no bleed is required", async () => {
    const short = await analyze("pdf-rgb-nobleed-4x6.pdf", { ...LENIENT, bleedMm: 3 });
    expect(short.file.pageBoxes[0]!.bleedMm).toEqual({ left: 0, right: 0, top: 0, bottom: 0 });
    expect(short.issues).toEqual([
      expect.objectContaining({ code: "MISSING_BLEED", page: 1, fixable: true, fixType: "add_bleed", details: expect.objectContaining({ shortestMm: 0, requiredMm: 3 }) }),
    ]);
    expect((await analyze("pdf-rgb-nobleed-4x6.pdf", LENIENT)).issues).toEqual([]);
  });

  it("accepts the canvas in either orientation and flags another size", async () => {
    expect((await analyze("pdf-rgb-nobleed-4x6.pdf", { ...LENIENT, canvas: { widthInches: 4, heightInches: 6 } })).issues).toEqual([]);
    expect((await analyze("pdf-rgb-nobleed-4x6.pdf", { ...LENIENT, canvas: { widthInches: 6, heightInches: 4 } })).issues).toEqual([]);
    // Within 1 mm (0.039 in) still matches; 2 mm does not.
    expect((await analyze("pdf-rgb-nobleed-4x6.pdf", { ...LENIENT, canvas: { widthInches: 4.03, heightInches: 6 } })).issues).toEqual([]);
    const { issues } = await analyze("pdf-rgb-nobleed-4x6.pdf", { ...LENIENT, canvas: { widthInches: 4.08, heightInches: 6 } });
    expect(issues).toEqual([
      expect.objectContaining({ code: "TRIM_SIZE_MISMATCH", severity: "error", page: 1, fixable: false, details: expect.objectContaining({ trimSizeInches: { width: 4, height: 6 } }) }),
    ]);
    // The trim, not the MediaBox with its bleed, is what must match.
    expect((await analyze("pdf-bleed-3mm.pdf", { ...LENIENT, canvas: { widthInches: 4, heightInches: 6 } })).issues).toEqual([]);
  });
});

describe("fonts", () => {
  it("flags the standard-14 Helvetica that is not embedded, not the embedded TrueType subset", async () => {
    const { file, issues } = await analyze("pdf-fonts-nonembedded-helvetica.pdf");
    // Two resource names point at one DejaVu object: one font, as pdffonts lists it.
    expect(file.fonts).toHaveLength(2);
    expect(file.fonts.find((f) => f.name === "Helvetica")).toMatchObject({ type: "Type1", embedded: false, standard14: true, fontFile: null, page: 1 });
    expect(file.fonts.find((f) => f.name === "PFXAAA+DejaVuSans")).toMatchObject({ type: "Type0/CIDFontType2", embedded: true, subset: true, fontFile: "FontFile2" });
    expect(issues).toEqual([
      expect.objectContaining({ code: "FONT_NOT_EMBEDDED", severity: "error", page: 1, fixable: false, details: expect.objectContaining({ font: "Helvetica", standard14: true }) }),
    ]);
  });
});

describe("placed images", () => {
  it("measures one image placed at 72, 150, 300 and 150×300 ppi on four pages", async () => {
    const { file, issues } = await analyze("pdf-image-ppi-72-150-300.pdf", { ...LENIENT, requiredDpi: 150 });
    expect(file.images.map((i) => [i.page, i.xPpi, i.yPpi, i.effectivePpi, i.placedWidthIn, i.placedHeightIn])).toEqual([
      [1, 72, 72, 72, 4.1667, 4.1667],
      [2, 150, 150, 150, 2, 2],
      [3, 300, 300, 300, 1, 1],
      [4, 150, 300, 150, 2, 1],
    ]);
    // 150 ppi meets 150: only page 1 is low.
    expect(issues.filter((i) => i.code === "IMAGE_LOW_RESOLUTION")).toEqual([
      expect.objectContaining({ severity: "warning", page: 1, fixable: false, details: expect.objectContaining({ effectivePpi: 72, requiredDpi: 150 }) }),
    ]);
    const strict = await analyze("pdf-image-ppi-72-150-300.pdf", { ...LENIENT, requiredDpi: 300 });
    expect(strict.issues.filter((i) => i.code === "IMAGE_LOW_RESOLUTION").map((i) => i.page)).toEqual([1, 2, 4]);
    expect(strict.issues.find((i) => i.code === "MULTIPLE_PAGES")).toMatchObject({ severity: "info", details: { pages: 4 } });
  });
});

describe("colour", () => {
  it("reads the CMYK fixture as CMYK and only objects to it when RGB is required", async () => {
    const asked = await analyze("pdf-cmyk.pdf", { ...LENIENT, requiredColorMode: "cmyk" });
    expect(asked.file.colorMode).toBe("cmyk");
    expect(asked.issues).toEqual([]);
    const rgb = await analyze("pdf-cmyk.pdf", { ...LENIENT, requiredColorMode: "rgb" });
    expect(rgb.issues).toEqual([expect.objectContaining({ code: "COLOR_MODE_MISMATCH", severity: "warning", details: expect.objectContaining({ colorSpaces: ["DeviceCMYK"] }) })]);
  });

  it.each(["pdf-rgb-nobleed-4x6.pdf", "pdf-iccbased.pdf"])("treats %s as RGB: an error when CMYK is required", async (name) => {
    const { file, issues } = await analyze(name, { ...LENIENT, requiredColorMode: "cmyk" });
    expect(file.colorMode).toBe("rgb");
    expect(issues).toEqual([expect.objectContaining({ code: "COLOR_MODE_MISMATCH", severity: "error", page: 1 })]);
  });

  it("describes the ICC-based space with its component count", () => {
    expect(analyses.get("pdf-iccbased.pdf")!.colorSpaces).toEqual([{ name: "ICCBased(N=3)", family: "ICCBased", components: 3, process: "rgb", pages: [1] }]);
  });

  it("lists both Separation inks as spot colours over CMYK", async () => {
    const { file, issues } = await analyze("pdf-spot-separation.pdf", { ...LENIENT, requiredColorMode: "cmyk" });
    expect(file.spotColors).toEqual(["CutContour", "PANTONE 185 C"]);
    expect(file.colorMode).toBe("cmyk");
    expect(issues.map((i) => [i.code, i.severity, i.details.name])).toEqual([
      ["SPOT_COLOR", "info", "CutContour"],
      ["SPOT_COLOR", "info", "PANTONE 185 C"],
    ]);
  });

  it("leaves greyscale alone whatever mode is required", async () => {
    expect(analyses.get("pdf-hairline-0.1pt.pdf")!.colorMode).toBe("gray");
    for (const requiredColorMode of ["rgb", "cmyk"] as const) {
      const { issues } = await analyze("pdf-hairline-0.1pt.pdf", { ...LENIENT, requiredColorMode });
      expect(issues.some((i) => i.code === "COLOR_MODE_MISMATCH")).toBe(false);
    }
  });
});

describe("transparency and thin lines", () => {
  it("finds the soft-masked image, both constant alphas and the Multiply blend", async () => {
    const { file, issues } = await analyze("pdf-transparency.pdf");
    expect(file.transparency).toEqual({ used: true, softMaskedImages: 1, softMaskGStates: 0, minFillAlpha: 0.5, minStrokeAlpha: 0.4, blendModes: ["Multiply"], pages: [1] });
    expect(file.images[0]).toMatchObject({ softMask: true, widthPx: 240, heightPx: 160, effectivePpi: 96 });
    expect(issues).toEqual([expect.objectContaining({ code: "PDF_TRANSPARENCY", severity: "warning", page: 1, fixable: false })]);
  });

  it("flags the three 0.1 pt strokes, not the 0.25 pt and 1 pt references", async () => {
    const { file, issues } = await analyze("pdf-hairline-0.1pt.pdf");
    expect(file.minLineWidthPt).toBeCloseTo(0.1, 6);
    expect(file.thinLineStrokes).toBe(3);
    expect(issues).toEqual([expect.objectContaining({ code: "THIN_LINES", severity: "warning", page: 1, details: { strokes: 3, minWidthPt: 0.1, thresholdPt: 0.25 } })]);
  });

  it("does not count a zero line width that only fills (pdf-lib writes `0 w` before fills)", () => {
    expect(analyses.get("pdf-transparency.pdf")!.minLineWidthPt).toBe(4);
  });
});

describe("files that cannot be checked", () => {
  it("reports the encrypted file with PDF_ENCRYPTED and its unencrypted structure", async () => {
    const { file, issues } = await analyze("pdf-encrypted-userpw.pdf", { ...LENIENT, bleedMm: 3 });
    expect(file).toMatchObject({ encrypted: true, contentAnalyzed: false, pages: 1, pdfVersion: "1.7", images: [], colorSpaces: [] });
    expect(file.pageBoxes[0]!.trimSizeInches).toEqual({ width: 4, height: 6 });
    expect(issues.map((i) => [i.code, i.severity])).toEqual([
      ["PDF_ENCRYPTED", "error"],
      ["MISSING_BLEED", "error"],
    ]);
  });

  it("reports the truncated file as PDF_DAMAGED without throwing", async () => {
    const { file, issues } = await analyze("pdf-truncated.pdf", { ...LENIENT, bleedMm: 3 });
    expect(file).toMatchObject({ damaged: true, pages: 0, pdfVersion: "1.7", pageBoxes: [] });
    expect(issues).toEqual([expect.objectContaining({ code: "PDF_DAMAGED", severity: "error", fixable: false })]);
  });

  it.each([
    ["empty input", new Uint8Array(0)],
    ["a PNG", null],
    ["a header and nothing else", new TextEncoder().encode("%PDF-1.7\n")],
    ["random bytes", Uint8Array.from({ length: 4096 }, (_, i) => (i * 2654435761) >>> 24)],
  ])("reports %s as PDF_DAMAGED", async (_, input) => {
    const bytes = input ?? (await fixtureBytes("preflight/png-gray.png"));
    const { file, issues } = await analyzePdf(bytes, LENIENT);
    expect(file.damaged).toBe(true);
    expect(issues.map((i) => i.code)).toEqual(["PDF_DAMAGED"]);
  });
});

/** A PDF from numbered objects; pdf-lib finds objects without an xref table, as readers do. */
function buildPdf(objects: (string | Uint8Array)[], trailer = "<< /Root 1 0 R >>"): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(new TextEncoder().encode(s));
  text("%PDF-1.6\n");
  objects.forEach((object, i) => {
    text(`${i + 1} 0 obj\n`);
    if (typeof object === "string") text(object);
    else parts.push(object);
    text("\nendobj\n");
  });
  text(`trailer\n${trailer}\n%%EOF\n`);
  return concatBytes(parts);
}

function stream(dict: string, content: string | Uint8Array): Uint8Array {
  const body = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const head = new TextEncoder().encode(`<< ${dict} /Length ${body.length} >>\nstream\n`);
  const tail = new TextEncoder().encode("\nendstream");
  const out = new Uint8Array(head.length + body.length + tail.length);
  out.set(head);
  out.set(body, head.length);
  out.set(tail, head.length + body.length);
  return out;
}

/** A one-page document: catalog, page tree, page (with `pageEntries`), its content, then `extra` objects from number 5 on. */
function onePage(pageEntries: string, content: string | Uint8Array, extra: (string | Uint8Array)[] = [], contentDict = "") {
  return buildPdf([
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 300 300] >>",
    `<< /Type /Page /Parent 2 0 R ${pageEntries} /Contents 4 0 R >>`,
    stream(contentDict, content),
    ...extra,
  ]);
}

describe("content interpretation on hand-built files", () => {
  it("follows forms with /Matrix, rotated placements and inline images", async () => {
    const content = "q 0 72 -144 0 200 100 cm /Im Do Q q 2 0 0 2 10 10 cm /Fm Do Q BI /W 10 /H 10 /BPC 8 /CS /CMYK ID\n" + "x".repeat(400) + "\nEI 0.5 0 0 1 k";
    const pdf = onePage("/Resources << /XObject << /Im 5 0 R /Fm 6 0 R >> >>", content, [
      stream("/Type /XObject /Subtype /Image /Width 300 /Height 150 /BitsPerComponent 8 /ColorSpace [/Indexed /DeviceRGB 1 <000000ffffff>]", "zz"),
      stream("/Type /XObject /Subtype /Form /BBox [0 0 100 100] /Matrix [0.5 0 0 0.5 0 0] /Resources << /XObject << /Im 5 0 R >> >>", "q 72 0 0 72 0 0 cm /Im Do Q 0.2 w 0 0 m 10 0 l S"),
    ]);
    const { file } = await analyzePdf(pdf, LENIENT);
    expect(file.images.map((i) => [i.name, i.inline, i.placedWidthIn, i.placedHeightIn, i.xPpi, i.yPpi, i.colorSpace])).toEqual([
      // Rotated 90°: the image's 300 px run along the page's y axis over 1 in.
      ["Im", false, 1, 2, 300, 75, "Indexed(DeviceRGB)"],
      // Inside the form: 72 × 0.5 (form matrix) × 2 (cm before Do) = 1 in.
      ["Im", false, 1, 1, 300, 150, "Indexed(DeviceRGB)"],
      // 10 px on the 1 pt unit square of the untransformed page.
      [null, true, 0.0139, 0.0139, 720, 720, "DeviceCMYK"],
    ]);
    // 0.2 w × 0.5 × 2 = 0.2 pt: thin.
    expect(file.minLineWidthPt).toBeCloseTo(0.2, 6);
    expect(file.colorSpaces.map((cs) => cs.name)).toEqual(["DeviceCMYK", "DeviceGray", "Indexed(DeviceRGB)"].sort());
  });

  it("terminates on a form that draws itself and a page tree that contains itself", async () => {
    const pdf = buildPdf([
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 /MediaBox [0 0 300 300] >>",
      "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Fm 5 0 R >> >> /Contents 4 0 R >>",
      stream("", "/Fm Do"),
      stream("/Type /XObject /Subtype /Form /BBox [0 0 10 10] /Resources << /XObject << /Fm 5 0 R >> >>", "/Fm Do 0 0 1 rg 0 0 5 5 re f"),
    ]);
    const { file, issues } = await analyzePdf(pdf, LENIENT);
    expect(file.pages).toBe(1);
    expect(file.colorSpaces.map((cs) => cs.name)).toEqual(["DeviceRGB"]);
    expect(file.damaged).toBe(true);
    expect(issues).toEqual([expect.objectContaining({ code: "PDF_DAMAGED", severity: "error", message: expect.stringContaining("page tree") })]);
  });

  it("survives unbalanced Q, garbage operators and over-deep arrays", async () => {
    const content = `Q Q Q 1 0 0 RG ${"[".repeat(5000)} ) } { 0.1 w 0 0 m 5 5 l S`;
    const { file } = await analyzePdf(onePage("", content), LENIENT);
    expect(file.damaged).toBe(false);
  });

  it("measures bleed to the MediaBox when there is no BleedBox, and applies /UserUnit", async () => {
    const pdf = onePage("/TrimBox [8.5 8.5 291.5 291.5] /UserUnit 2", "");
    const { file } = await analyzePdf(pdf, { ...LENIENT, bleedMm: 3 });
    const boxes = file.pageBoxes[0]!;
    expect(boxes.userUnit).toBe(2);
    expect(boxes.mediaBoxPt).toEqual([0, 0, 600, 600]);
    expect(boxes.bleedMm.left).toBeCloseTo((17 / 72) * 25.4, 3);
  });

  it("uses printable annotation appearances for fonts and colour, and skips hidden ones", async () => {
    const pdf = onePage("/Annots [5 0 R 7 0 R]", "", [
      "<< /Type /Annot /Subtype /Widget /F 4 /Rect [10 10 110 30] /AP << /N 6 0 R >> >>",
      stream("/Type /XObject /Subtype /Form /BBox [0 0 100 20] /Resources << /Font << /Helv << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>", "BT /Helv 12 Tf 0 0 1 0 k (x) Tj ET"),
      "<< /Type /Annot /Subtype /Widget /F 6 /Rect [10 10 110 30] /AP << /N 8 0 R >> >>",
      stream("/Type /XObject /Subtype /Form /BBox [0 0 100 20]", "1 0 0 rg 0 0 5 5 re f"),
    ]);
    const { file, issues } = await analyzePdf(pdf, LENIENT);
    expect(file.fonts.map((f) => [f.name, f.embedded])).toEqual([["Helvetica", false]]);
    expect(file.colorSpaces.map((cs) => cs.name)).toEqual(["DeviceCMYK"]);
    expect(issues.map((i) => i.code)).toEqual(["FONT_NOT_EMBEDDED"]);
  });

  it("stops decoding a Flate bomb at the stream bound and says the check is incomplete", async () => {
    // 20 MiB of white space after one thin stroke, deflated to a few KB.
    const inflated = new Uint8Array(20 * 1024 * 1024).fill(0x20);
    inflated.set(new TextEncoder().encode("0.1 w 0 0 m 5 5 l S"));
    const pdf = onePage("", zlibSync(inflated, { level: 9 }), [], "/Filter /FlateDecode");
    const { file, issues } = await analyzePdf(pdf, LENIENT);
    expect(file.limits.map((l) => l.limit)).toEqual(["contentBytes"]);
    expect(file.minLineWidthPt).toBeCloseTo(0.1, 6);
    expect(issues.map((i) => i.code)).toEqual(["PDF_CHECK_INCOMPLETE", "THIN_LINES"]);
  });

  it("reads colour from shading patterns and `sh`, and spot inks from DeviceN", async () => {
    const content = "/Pattern cs /P0 scn 0 0 10 10 re f /Sh0 sh";
    const pdf = onePage("/Resources << /Pattern << /P0 5 0 R >> /Shading << /Sh0 6 0 R >> >>", content, [
      "<< /PatternType 2 /Shading << /ShadingType 2 /ColorSpace /DeviceCMYK /Coords [0 0 1 0] /Function << /FunctionType 2 /Domain [0 1] /N 1 >> >> >>",
      "<< /ShadingType 2 /ColorSpace [/DeviceN [/Cyan /Spot#20Gold] /DeviceCMYK 7 0 R] /Coords [0 0 1 0] /Function << /FunctionType 2 /Domain [0 1] /N 1 >> >>",
      "<< /FunctionType 2 /Domain [0 1] /N 1 >>",
    ]);
    const { file } = await analyzePdf(pdf, LENIENT);
    expect(file.colorSpaces.map((cs) => [cs.name, cs.process])).toEqual([
      ["DeviceCMYK", "cmyk"],
      ["DeviceN:Cyan,Spot Gold", "spot"],
    ]);
    expect(file.spotColors).toEqual(["Spot Gold"]);
    expect(file.colorMode).toBe("cmyk");
  });

  it("checks the first 500 pages of a longer document and says so", async () => {
    const pages = Array.from({ length: 501 }, () => "<< /Type /Page /Parent 2 0 R >>");
    const kids = pages.map((_, i) => `${i + 3} 0 R`).join(" ");
    const pdf = buildPdf(["<< /Type /Catalog /Pages 2 0 R >>", `<< /Type /Pages /Kids [${kids}] /Count 501 /MediaBox [0 0 288 432] >>`, ...pages]);
    const { file, issues } = await analyzePdf(pdf, LENIENT);
    expect(file).toMatchObject({ pages: 501, pagesAnalyzed: 500 });
    expect(file.pageBoxes).toHaveLength(500);
    expect(file.limits.map((l) => l.limit)).toEqual(["pages"]);
    expect(issues.map((i) => i.code)).toEqual(["PDF_CHECK_INCOMPLETE", "MULTIPLE_PAGES"]);
  });

  it("reports an encrypted file whose pages cannot even be found as PDF_ENCRYPTED, not damaged", async () => {
    // As when the page objects sit in encrypted object streams: only the trailer is readable.
    const pdf = buildPdf(["<< /Filter /Standard /V 4 /R 4 /Length 128 >>"], "<< /Root 9 0 R /Encrypt 1 0 R >>");
    const { file, issues } = await analyzePdf(pdf, LENIENT);
    expect(file).toMatchObject({ encrypted: true, damaged: false, pages: 0 });
    expect(issues.map((i) => [i.code, i.severity])).toEqual([["PDF_ENCRYPTED", "error"]]);
  });

  it("reports a corrupt content stream as PDF_DAMAGED on its page", async () => {
    const pdf = onePage("", "this is not deflate data", [], "/Filter /FlateDecode");
    const { file, issues } = await analyzePdf(pdf, LENIENT);
    expect(file.damaged).toBe(true);
    expect(issues).toEqual([expect.objectContaining({ code: "PDF_DAMAGED", page: 1 })]);
  });
});
