import { beforeAll, describe, expect, it } from "vitest";
import { decodeImage } from "../../src/imaging/codecs";
import { openRaster } from "../../src/imaging/open-raster";
import { collectRaster, streamImageData } from "../../src/imaging/raster-stream";
import { bytesFile } from "../../src/imaging/source-file";
import type { Requirements } from "../../src/preflight/issues";
import { analyzeRaster } from "../../src/preflight/raster/analyze";
import { SOFT_IMAGE_THRESHOLD } from "../../src/preflight/raster/checks";
import type { RasterFacts, ReadableRasterFacts } from "../../src/preflight/raster/facts";
import { blurEffect, measureRaster, SHARPNESS_LONG_SIDE_PX } from "../../src/preflight/raster/pixels";
import { fixtureBytes } from "../helpers/fixtures";
import { craftPng, zlibOfZeros } from "../helpers/png";
import { referenceSharpness } from "../helpers/sharpness";

type Tags = Record<string, string | number>;
interface Expected {
  kind: string;
  intended: Record<string, unknown>;
  identifyVerbose: Record<string, unknown> & { exitCode: number };
  exiftool: { tags: Tags };
}

const REQ: Requirements = { requiredDpi: 300, requiredColorMode: "any", bleedMm: 3 };
const MAX_PIXELS = 12_000_000;
let expected: Record<string, Expected>;

beforeAll(async () => {
  expected = JSON.parse(new TextDecoder().decode(await fixtureBytes("preflight/expected.json"))).fixtures;
});

const typeOf = (name: string) => (name.endsWith(".png") ? "png" : name.endsWith(".tif") ? "tiff" : "jpeg");

/** The type the report route passes: what the bytes are (it sniffs them). */
async function analyze(name: string, req: Requirements = REQ, maxPixels = MAX_PIXELS) {
  const type = name === "misnamed-png-as.jpg" ? "png" : typeOf(name);
  return analyzeRaster(bytesFile(await fixtureBytes(`preflight/${name}`)), type, req, maxPixels);
}

function readable(file: RasterFacts): ReadableRasterFacts {
  expect(file.readable).toBe(true);
  return file as ReadableRasterFacts;
}

const codes = (issues: { code: string }[]) => issues.map((i) => i.code).sort();

/** Catalog severities; only COLOR_MODE_MISMATCH changes with the profile. */
const SEVERITIES: Record<string, string> = {
  LOW_RESOLUTION: "error",
  RASTER_DAMAGED: "error",
  MISSING_BLEED: "error",
  TRANSPARENCY: "warning",
  SOFT_IMAGE: "warning",
  RASTER_TOO_LARGE: "error",
  ASPECT_RATIO_MISMATCH: "warning",
  NO_ICC_PROFILE: "info",
  NO_EMBEDDED_RESOLUTION: "info",
  HIGH_BIT_DEPTH: "info",
  INDEXED_COLOR: "info",
  PIXEL_CHECKS_SKIPPED: "info",
};
const severityOf = (code: string) => SEVERITIES[code];

/** Colour mode as exiftool's tags state it (PNG colour type, JPEG components, TIFF photometric). */
function exiftoolColorMode(tags: Tags): string {
  const png = tags["PNG:ColorType"];
  if (png !== undefined) return png === 3 ? "indexed" : png === 0 || png === 4 ? "gray" : "rgb";
  const components = tags["File:ColorComponents"];
  if (components !== undefined) return components === 4 ? "cmyk" : components === 1 ? "gray" : "rgb";
  return ({ 1: "gray", 2: "rgb", 3: "indexed", 5: "cmyk" } as Record<number, string>)[tags["IFD0:PhotometricInterpretation"] as number]!;
}

function exiftoolBitDepth(tags: Tags): number {
  return Number(String(tags["PNG:BitDepth"] ?? tags["File:BitsPerSample"] ?? tags["IFD0:BitsPerSample"]).split(" ")[0]);
}

/** identify's resolution in dpi (PNG stores metres, so identify shows px/cm). */
function identifyDpi(identify: Record<string, unknown>): { x: number; y: number } | null {
  const res = identify.resolution as [number, number] | undefined;
  if (!res || identify.units === "Undefined") return null;
  const toDpi = (v: number) => (identify.units === "PixelsPerCentimeter" ? Math.round(v * 2.54 * 100) / 100 : v);
  return { x: toDpi(res[0]), y: toDpi(res[1]) };
}

const RASTERS = [
  "jpeg-cmyk-icc.jpg",
  "jpeg-cmyk-noicc.jpg",
  "jpeg-rgb-300dpi.jpg",
  "jpeg-rgb-72dpi.jpg",
  "jpeg-rgb-nodensity.jpg",
  "jpeg-exif-orientation-6.jpg",
  "jpeg-truncated.jpg",
  "misnamed-png-as.jpg",
  "png-alpha-used.png",
  "png-alpha-opaque.png",
  "png-rgb-16bit.png",
  "png-gray.png",
  "png-palette.png",
  "png-phys-300dpi.png",
  "tiff-rgb-lzw.tif",
  "tiff-cmyk-lzw.tif",
  "photo-sharp.png",
  "photo-blurred.png",
];

describe("facts agree with identify and exiftool", () => {
  it("covers every raster fixture but the bomb (identify refuses it; see below)", () => {
    const all = Object.entries(expected)
      .filter(([, e]) => e.kind === "raster")
      .map(([name]) => name)
      .sort();
    expect(all).toEqual([...RASTERS, "png-bomb-20000x20000.png"].sort());
  });

  it.each(RASTERS)("%s", async (name) => {
    const e = expected[name]!;
    const identify = e.identifyVerbose;
    const tags = e.exiftool.tags;
    const f = readable((await analyze(name)).file);
    expect(f.format).toBe(String(identify.format).toLowerCase());
    expect([f.widthPx, f.heightPx]).toEqual([identify.width, identify.height]);
    expect(f.megapixels).toBe(Math.round(((identify.width as number) * (identify.height as number)) / 1e4) / 100);
    expect(f.bitDepth).toBe(exiftoolBitDepth(tags));
    expect(f.colorMode).toBe(exiftoolColorMode(tags));
    expect(f.hasAlphaChannel).toBe(identify.alphaChannel);
    expect(f.iccProfile.present).toBe(identify.iccProfile);
    if (identify.iccProfile) {
      expect(f.iccProfile.description).toBe(identify.iccDescription);
      expect(f.iccProfile.bytes).toBe(identify.iccProfileBytes);
      expect(f.iccProfile.colorSpace).toBe(String(tags["ICC-header:ColorSpaceData"]).toLowerCase());
    }
    const dpi = identifyDpi(identify);
    expect(f.embeddedDpi === null ? null : { x: f.embeddedDpi.x, y: f.embeddedDpi.y }).toEqual(dpi);
    expect(f.exifOrientation).toBe(tags["IFD0:Orientation"] ?? null);
    if (f.pixelsAnalyzed || !f.hasAlphaChannel) expect(f.alphaUsed).toBe(identify.alphaUsed);
    expect(f.bitDepth === 16).toBe(identify.depth === 16);
    expect(f.requiredDpi).toBe(300);
  });

  it("reads the channel counts the headers declare", async () => {
    const channels = async (name: string) => readable((await analyze(name)).file).channels;
    expect(await channels("jpeg-cmyk-icc.jpg")).toBe(expected["jpeg-cmyk-icc.jpg"]!.exiftool.tags["File:ColorComponents"]);
    expect(await channels("jpeg-rgb-300dpi.jpg")).toBe(3);
    expect(await channels("png-alpha-used.png")).toBe(4);
    expect(await channels("png-gray.png")).toBe(1);
    expect(await channels("png-palette.png")).toBe(1);
    expect(await channels("tiff-cmyk-lzw.tif")).toBe(expected["tiff-cmyk-lzw.tif"]!.exiftool.tags["IFD0:SamplesPerPixel"]);
  });

  it("names where a dpi came from, and the compression", async () => {
    const f = async (name: string) => readable((await analyze(name)).file);
    expect((await f("jpeg-rgb-72dpi.jpg")).embeddedDpi).toEqual({ x: 72, y: 72, source: "jfif" });
    // 11811 px/m is 299.9994 dpi.
    expect((await f("png-phys-300dpi.png")).embeddedDpi).toEqual({ x: 300, y: 300, source: "png_phys" });
    expect((await f("tiff-rgb-lzw.tif")).embeddedDpi).toEqual({ x: 300, y: 300, source: "tiff" });
    expect((await f("jpeg-rgb-nodensity.jpg")).embeddedDpi).toBeNull();
    expect((await f("tiff-rgb-lzw.tif")).compression).toBe("lzw");
    expect((await f("jpeg-rgb-300dpi.jpg")).compression).toBe("jpeg-baseline");
  });

  it("the bomb: exiftool's header facts, without decoding a pixel", async () => {
    const tags = expected["png-bomb-20000x20000.png"]!.exiftool.tags;
    const { file, issues } = await analyze("png-bomb-20000x20000.png");
    const f = readable(file);
    expect([f.widthPx, f.heightPx, f.bitDepth, f.colorMode]).toEqual([tags["PNG:ImageWidth"], tags["PNG:ImageHeight"], tags["PNG:BitDepth"], "indexed"]);
    expect(f.megapixels).toBe(400);
    expect(f.pixelsAnalyzed).toBe(false);
    expect(f.sharpness).toBeNull();
    // No alpha channel and no tRNS: nothing can be transparent, decoded or not.
    expect(f.alphaUsed).toBe(false);
    const tooLarge = issues.find((i) => i.code === "RASTER_TOO_LARGE");
    expect(tooLarge).toMatchObject({ severity: "error", details: { megapixels: 400, maxMegapixels: 12 } });
  });
});

describe("issues without a canvas (300 dpi, any colour mode, 3 mm bleed)", () => {
  it.each([
    ["jpeg-cmyk-icc.jpg", []],
    ["jpeg-cmyk-noicc.jpg", ["NO_ICC_PROFILE"]],
    ["jpeg-rgb-300dpi.jpg", ["NO_ICC_PROFILE"]],
    ["jpeg-rgb-72dpi.jpg", ["LOW_RESOLUTION", "NO_ICC_PROFILE"]],
    ["jpeg-rgb-nodensity.jpg", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["jpeg-exif-orientation-6.jpg", ["LOW_RESOLUTION", "NO_ICC_PROFILE"]],
    ["jpeg-truncated.jpg", ["NO_ICC_PROFILE", "RASTER_DAMAGED"]],
    ["misnamed-png-as.jpg", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["png-alpha-used.png", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE", "TRANSPARENCY"]],
    ["png-alpha-opaque.png", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["png-rgb-16bit.png", ["HIGH_BIT_DEPTH", "NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["png-gray.png", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["png-palette.png", ["INDEXED_COLOR", "NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["png-phys-300dpi.png", ["NO_ICC_PROFILE"]],
    ["png-bomb-20000x20000.png", ["INDEXED_COLOR", "NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE", "RASTER_TOO_LARGE"]],
    ["tiff-rgb-lzw.tif", ["NO_ICC_PROFILE"]],
    ["tiff-cmyk-lzw.tif", ["NO_ICC_PROFILE"]],
    ["photo-sharp.png", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE"]],
    ["photo-blurred.png", ["NO_EMBEDDED_RESOLUTION", "NO_ICC_PROFILE", "SOFT_IMAGE"]],
  ])("%s → %j", async (name, expectedCodes) => {
    const { issues } = await analyze(name);
    expect(codes(issues)).toEqual(expectedCodes);
    for (const i of issues) {
      expect(i.severity).toBe(severityOf(i.code));
      expect(i.message.length).toBeGreaterThan(10);
      expect(i.fixable).toBe(i.fixType !== undefined);
    }
    // A file whose only findings are infos and warnings passes the check; one whose pixels a limit kept unchecked does not.
    const errors = issues.filter((i) => i.severity === "error").map((i) => i.code);
    expect(errors).toEqual(expectedCodes.filter((c) => c === "LOW_RESOLUTION" || c === "RASTER_DAMAGED" || c === "RASTER_TOO_LARGE"));
  });

  it("72 dpi at its own size: 4× still stays below 300, and the message says so", async () => {
    const low = (await analyze("jpeg-rgb-72dpi.jpg")).issues.find((i) => i.code === "LOW_RESOLUTION")!;
    expect(low).toMatchObject({ severity: "error", fixable: true, fixType: "upscale_resolution_4x" });
    expect(low.details).toMatchObject({ effectivePpi: 72, requiredDpi: 300, ppiAfter2x: 144, ppiAfter4x: 288, reachesTargetAfterFix: false });
    expect(low.message).toContain("still below 300 dpi");
    const f = readable((await analyze("jpeg-rgb-72dpi.jpg")).file);
    expect(f.printSizeInches).toEqual({ width: 4.17, height: 4.17, basis: "embedded_dpi" });
    expect(f.effectivePpi).toBe(72);
  });

  it("the same pixels at 300 dpi print 1 × 1 in and pass", async () => {
    const f = readable((await analyze("jpeg-rgb-300dpi.jpg")).file);
    expect(f.printSizeInches).toEqual({ width: 1, height: 1, basis: "embedded_dpi" });
    expect(f.effectivePpi).toBe(300);
    expect(f.bleed).toBeNull(); // no canvas, no bleed verdict
  });

  it("no dpi and no canvas: resolution unknown, no verdict", async () => {
    const { file, issues } = await analyze("jpeg-rgb-nodensity.jpg");
    expect(readable(file)).toMatchObject({ embeddedDpi: null, printSizeInches: null, effectivePpi: null, bleed: null });
    expect(issues.find((i) => i.code === "NO_EMBEDDED_RESOLUTION")).toMatchObject({ severity: "info", details: { canvasGiven: false } });
  });

  it("transparency is fixable by flattening", async () => {
    const { issues } = await analyze("png-alpha-used.png");
    expect(issues.find((i) => i.code === "TRANSPARENCY")).toMatchObject({ severity: "warning", fixable: true, fixType: "remove_transparency" });
  });

  it("CMYK JPEG (YCCK, with its profile): pixels through the profile, measured as LittleCMS's own conversion measures", async () => {
    const { file, issues } = await analyze("jpeg-cmyk-icc.jpg");
    // exiftool: Adobe ColorTransform 2, i.e. YCCK.
    expect(expected["jpeg-cmyk-icc.jpg"]!.exiftool.tags["Adobe:ColorTransform"]).toBe(2);
    const f = readable(file);
    expect(f).toMatchObject({ colorMode: "cmyk", channels: 4, pixelsAnalyzed: true, alphaUsed: false, sharpness: { sampledWidthPx: 240, sampledHeightPx: 160 } });
    expect(codes(issues)).not.toContain("PIXEL_CHECKS_SKIPPED");
    // transicc (LittleCMS's command-line tool) converted the same file through the same profile.
    const reference = referenceSharpness(await decodeImage(await fixtureBytes("cmyk-srgb/preflight-jpeg-cmyk-icc.transicc.png"), "png"));
    expect(Math.abs(f.sharpness!.score - reference), `${f.sharpness!.score}, transicc's pixels ${reference}`).toBeLessThanOrEqual(0.0006);
  });

  it("a truncated JPEG is damaged; its header facts still stand, its grey-filled pixels are not measured", async () => {
    const { file, issues } = await analyze("jpeg-truncated.jpg");
    expect(readable(file)).toMatchObject({ widthPx: 300, heightPx: 300, embeddedDpi: { x: 300, y: 300 }, pixelsAnalyzed: false });
    expect(issues.find((i) => i.code === "RASTER_DAMAGED")).toMatchObject({ severity: "error", fixable: false });
  });

  it("a type the bytes contradict is reported, and the bytes win", async () => {
    const { file, issues } = await analyzeRaster(bytesFile(await fixtureBytes("preflight/misnamed-png-as.jpg")), "jpeg", REQ, MAX_PIXELS);
    expect(readable(file)).toMatchObject({ format: "png", widthPx: 120, heightPx: 80 });
    expect(issues.find((i) => i.code === "FILE_TYPE_MISMATCH")).toMatchObject({ severity: "error", details: { claimed: "jpeg", detected: "png" } });
  });
});


describe("on a canvas (jpeg-rgb-300dpi.jpg: 300 × 300 px)", () => {
  const onCanvas = (widthInches: number, heightInches: number, extra: Partial<Requirements> = {}) =>
    analyze("jpeg-rgb-300dpi.jpg", { ...REQ, canvas: { widthInches, heightInches }, ...extra });

  it("1 × 1 in without bleed: exactly 300 ppi, clean", async () => {
    const { file, issues } = await onCanvas(1, 1, { bleedMm: 0 });
    expect(readable(file)).toMatchObject({ effectivePpi: 300, cropPercent: 0, printSizeInches: { width: 1, height: 1, basis: "canvas" } });
    expect(codes(issues)).toEqual(["NO_ICC_PROFILE"]);
  });

  it("1 × 1 in with 3 mm bleed: the trim is covered, the bleed is not → MISSING_BLEED (add_bleed), no LOW_RESOLUTION", async () => {
    const { file, issues } = await onCanvas(1, 1);
    // (1 in + 2 × 3 mm) × 300 dpi = 370.9 px
    expect(readable(file).bleed).toEqual({ bleedMm: 3, requiredWidthPx: 371, requiredHeightPx: 371, covered: false });
    expect(codes(issues)).toEqual(["MISSING_BLEED", "NO_ICC_PROFILE"]);
    expect(issues.find((i) => i.code === "MISSING_BLEED")).toMatchObject({ severity: "error", fixType: "add_bleed", details: { requiredWidthPx: 371 } });
  });

  it("0.75 × 0.75 in with 3 mm bleed: 400 ppi covers trim and bleed (0.986 in × 300 = 296 px)", async () => {
    const { file, issues } = await onCanvas(0.75, 0.75);
    expect(readable(file)).toMatchObject({ effectivePpi: 400, bleed: { requiredWidthPx: 296, covered: true } });
    expect(codes(issues)).toEqual(["NO_ICC_PROFILE"]);
  });

  it("2 × 2 in: 150 ppi → LOW_RESOLUTION fixed by 2×, and no second issue for the bleed", async () => {
    const { issues } = await onCanvas(2, 2);
    expect(codes(issues)).toEqual(["LOW_RESOLUTION", "NO_ICC_PROFILE"]);
    expect(issues[0]).toMatchObject({ fixType: "upscale_resolution_2x", details: { effectivePpi: 150, ppiAfter2x: 300, reachesTargetAfterFix: true } });
  });

  it("4 × 4 in: 75 ppi → 4× reaches 300", async () => {
    const low = (await onCanvas(4, 4)).issues.find((i) => i.code === "LOW_RESOLUTION")!;
    expect(low).toMatchObject({ fixType: "upscale_resolution_4x", details: { effectivePpi: 75, ppiAfter2x: 150, ppiAfter4x: 300 } });
    expect(low.message).not.toContain("still below");
  });

  it("5 × 5 in: 60 ppi → 4× suggested although it stays below (240)", async () => {
    const low = (await onCanvas(5, 5)).issues.find((i) => i.code === "LOW_RESOLUTION")!;
    expect(low).toMatchObject({ fixType: "upscale_resolution_4x", details: { ppiAfter4x: 240, reachesTargetAfterFix: false } });
    expect(low.message).toContain("still below 300 dpi");
  });

  it("1 × 0.5 in: half the square image is cropped → ASPECT_RATIO_MISMATCH", async () => {
    const { file, issues } = await onCanvas(1, 0.5, { bleedMm: 0 });
    expect(readable(file)).toMatchObject({ effectivePpi: 300, cropPercent: 50 });
    expect(issues.find((i) => i.code === "ASPECT_RATIO_MISMATCH")).toMatchObject({ severity: "warning", details: { cropPercent: 50, imageAspect: 1, canvasAspect: 2 } });
  });

  it("a 2 % crop is trimming, not a mismatch", async () => {
    const { file, issues } = await onCanvas(1, 0.98, { bleedMm: 0 });
    expect(readable(file).cropPercent).toBe(2);
    expect(codes(issues)).toEqual(["NO_ICC_PROFILE"]);
  });

  it("gives the quick score's stars when the product type is known", async () => {
    const f = readable((await onCanvas(2, 2, { productType: "photo_on_canvas" })).file);
    expect(f.dpiRating).toEqual({ stars: 5, label: "Excellent", minPpi: 100 });
    expect(readable((await onCanvas(2, 2)).file).dpiRating).toBeNull();
  });

  it("the file's own dpi does not matter once a canvas is given", async () => {
    const at72 = readable((await analyze("jpeg-rgb-72dpi.jpg", { ...REQ, canvas: { widthInches: 1, heightInches: 1 }, bleedMm: 0 })).file);
    expect(at72).toMatchObject({ effectivePpi: 300, printSizeInches: { basis: "canvas" } });
    const none = await analyze("jpeg-rgb-nodensity.jpg", { ...REQ, canvas: { widthInches: 1, heightInches: 1 }, bleedMm: 0 });
    expect(readable(none.file).effectivePpi).toBe(300);
    expect(none.issues.find((i) => i.code === "NO_EMBEDDED_RESOLUTION")).toMatchObject({ details: { canvasGiven: true } });
    expect(none.issues.find((i) => i.code === "NO_EMBEDDED_RESOLUTION")!.message).toContain("taken from the canvas");
  });

  it("turns the canvas to the picture: EXIF 6 (stored 160 × 240, shown 240 × 160) fits 0.8 × 0.533 in either way round", async () => {
    for (const [w, h] of [
      [0.8, 0.5333],
      [0.5333, 0.8],
    ]) {
      const { file, issues } = await analyze("jpeg-exif-orientation-6.jpg", { ...REQ, canvas: { widthInches: w!, heightInches: h! }, bleedMm: 0 });
      expect(readable(file)).toMatchObject({ effectivePpi: 300, printSizeInches: { width: 0.8, height: 0.53 } });
      expect(codes(issues)).toEqual(["NO_ICC_PROFILE"]);
    }
  });
});

describe("colour mode against the profile", () => {
  it("CMYK required: an RGB or grey file is an error", async () => {
    for (const name of ["jpeg-rgb-300dpi.jpg", "png-gray.png"]) {
      const mismatch = (await analyze(name, { ...REQ, requiredColorMode: "cmyk" })).issues.find((i) => i.code === "COLOR_MODE_MISMATCH");
      expect(mismatch).toMatchObject({ severity: "error", fixable: false, details: { requiredColorMode: "cmyk" } });
    }
    for (const name of ["jpeg-cmyk-icc.jpg", "tiff-cmyk-lzw.tif"]) {
      expect(codes((await analyze(name, { ...REQ, requiredColorMode: "cmyk" })).issues)).not.toContain("COLOR_MODE_MISMATCH");
    }
  });

  it("RGB required: a CMYK file is a warning; grey and palette files print through RGB unchanged", async () => {
    const mismatch = (await analyze("tiff-cmyk-lzw.tif", { ...REQ, requiredColorMode: "rgb" })).issues.find((i) => i.code === "COLOR_MODE_MISMATCH");
    expect(mismatch).toMatchObject({ severity: "warning", details: { colorMode: "cmyk", requiredColorMode: "rgb" } });
    for (const name of ["png-gray.png", "png-palette.png", "jpeg-rgb-300dpi.jpg"]) {
      expect(codes((await analyze(name, { ...REQ, requiredColorMode: "rgb" })).issues)).not.toContain("COLOR_MODE_MISMATCH");
    }
  });
});

describe("sharpness", () => {
  it(`photo-sharp passes and photo-blurred fails the ${SOFT_IMAGE_THRESHOLD} threshold, each by more than 0.15`, async () => {
    const sharp = readable((await analyze("photo-sharp.png")).file).sharpness!;
    const blurred = readable((await analyze("photo-blurred.png")).file).sharpness!;
    // The plain reference on the same pixels; the service reports 3 decimals (± 0.0005) and keeps grey levels in float32.
    for (const [name, measured] of [["photo-sharp.png", sharp], ["photo-blurred.png", blurred]] as const) {
      const pixels = await decodeImage(await fixtureBytes(`preflight/${name}`), "png");
      expect([pixels.width, pixels.height]).toEqual([expected[name]!.identifyVerbose.width, expected[name]!.identifyVerbose.height]);
      expect([measured.sampledWidthPx, measured.sampledHeightPx]).toEqual([pixels.width, pixels.height]);
      const reference = referenceSharpness(pixels);
      expect(Math.abs(measured.score - reference), `${name}: ${measured.score}, the reference computes ${reference}`).toBeLessThanOrEqual(0.0006);
    }
    expect(sharp.score - SOFT_IMAGE_THRESHOLD).toBeGreaterThan(0.15);
    expect(SOFT_IMAGE_THRESHOLD - blurred.score).toBeGreaterThan(0.15);
    const soft = (await analyze("photo-blurred.png")).issues.find((i) => i.code === "SOFT_IMAGE");
    expect(soft).toMatchObject({ severity: "warning", fixable: true, fixType: "sharpen_edges", details: { threshold: SOFT_IMAGE_THRESHOLD } });
  });

  it("ranks the blurred photo far below its sharp twin, as scikit-image's Laplacian variance does", async () => {
    const sharp = readable((await analyze("photo-sharp.png")).file).sharpness!.score;
    const blurred = readable((await analyze("photo-blurred.png")).file).sharpness!.score;
    const lap = (name: string) => (expected[name] as unknown as { skimage: { laplacianVariance: number } }).skimage.laplacianVariance;
    expect(lap("photo-sharp.png")).toBeGreaterThan(lap("photo-blurred.png"));
    expect(sharp / blurred).toBeGreaterThan(2.5);
  });

  it.each(["bg/astronaut.jpg", "bg/chelsea.jpg", "bg/coffee.jpg", "bg/composite-horse.png", "bg/composite-logo.png", "bg/composite-text.png"])(
    "%s (a sharp real photo or composite) is not soft",
    async (path) => {
      const bytes = await fixtureBytes(path);
      const { file, issues } = await analyzeRaster(bytesFile(bytes), path.endsWith(".png") ? "png" : "jpeg", REQ, MAX_PIXELS);
      expect(readable(file).sharpness!.score).toBeGreaterThan(SOFT_IMAGE_THRESHOLD + 0.15);
      expect(codes(issues)).not.toContain("SOFT_IMAGE");
    },
  );

  it("measures at most 1024 px on the long side, so pixel count does not change the score", async () => {
    // png-gray.png is 256 px square: enlarged 4× it is measured as is (1024 px), enlarged 16× it is
    // averaged down over 4 × 4 blocks of equal pixels, which gives exactly the 4× image again.
    const photo = await decodeImage(await fixtureBytes("preflight/png-gray.png"), "png");
    const enlarge = (k: number) => {
      const side = photo.width * k;
      const source = new Uint32Array(photo.data.buffer, photo.data.byteOffset, photo.width * photo.height);
      const target = new Uint32Array(side * side);
      for (let y = 0; y < photo.height; y++) {
        const row = y * k * side;
        for (let x = 0; x < photo.width; x++) target.fill(source[y * photo.width + x]!, row + x * k, row + x * k + k);
        for (let r = 1; r < k; r++) target.copyWithin(row + r * side, row, row + side);
      }
      return streamImageData(new ImageData(new Uint8ClampedArray(target.buffer), side, side));
    };
    const at4 = (await measureRaster(enlarge(4))).sharpness!;
    const at16 = (await measureRaster(enlarge(16))).sharpness!;
    expect([at16.sampledWidthPx, at16.sampledHeightPx]).toEqual([SHARPNESS_LONG_SIDE_PX, SHARPNESS_LONG_SIDE_PX]);
    expect(at16.score).toBe(at4.score);
  });

  it("a flat fill has no edges to judge; one pixel below 255 alpha counts as transparency", async () => {
    const flat = new ImageData(new Uint8ClampedArray(64 * 64 * 4).fill(200), 64, 64);
    for (let i = 3; i < flat.data.length; i += 4) flat.data[i] = 255;
    expect(await measureRaster(streamImageData(flat))).toEqual({ alphaUsed: false, sharpness: null });
    flat.data[4 * 100 + 3] = 254;
    expect((await measureRaster(streamImageData(flat))).alphaUsed).toBe(true);
  });
});

/**
 * The alpha and sharpness measure as it was when it took one whole decoded frame, before
 * pixels came in bands: its greyscale copy written out as it stood then, as a second
 * implementation; the blur measure on the copy is unchanged and shared.
 */
function wholeFrameMeasure(image: { width: number; height: number; data: Uint8ClampedArray | Uint8Array }) {
  const { width: w, height: h, data } = image;
  const scale = Math.min(1, SHARPNESS_LONG_SIDE_PX / Math.max(w, h));
  const dw = Math.max(1, Math.round(w * scale));
  const dh = Math.max(1, Math.round(h * scale));
  const colBin = new Int32Array(w);
  const colCount = new Float32Array(dw);
  for (let x = 0; x < w; x++) {
    colBin[x] = Math.floor((x * dw) / w);
    colCount[colBin[x]!]!++;
  }
  const rowCount = new Float32Array(dh);
  for (let y = 0; y < h; y++) rowCount[Math.floor((y * dh) / h)]!++;
  const grey = new Float32Array(dw * dh);
  let alphaUsed = false;
  for (let y = 0, i = 0; y < h; y++) {
    const rowBase = Math.floor((y * dh) / h) * dw;
    for (let x = 0; x < w; x++, i += 4) {
      const a = data[i + 3]!;
      const luma = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
      let value = luma;
      if (a !== 255) {
        alphaUsed = true;
        value = (luma * a) / 255 + (255 - a);
      }
      grey[rowBase + colBin[x]!]! += value;
    }
  }
  for (let dy = 0; dy < dh; dy++) {
    for (let dx = 0; dx < dw; dx++) grey[dy * dw + dx]! /= colCount[dx]! * rowCount[dy]!;
  }
  if (Math.min(dw, dh) < 16) return { alphaUsed, sharpness: null };
  const blur = blurEffect(grey, dw, dh);
  return { alphaUsed, sharpness: blur === null ? null : { score: Math.round((1 - blur) * 1000) / 1000, sampledWidthPx: dw, sampledHeightPx: dh } };
}

describe("pixels measured band by band", () => {
  // Every raster fixture but the cut-off JPEG, whose pixels are never measured.
  it.each(RASTERS.filter((name) => name !== "jpeg-truncated.jpg"))("%s: exactly what the whole frame gives, as the report says", async (name) => {
    const bytes = await fixtureBytes(`preflight/${name}`);
    const frame = await collectRaster(await openRaster(bytesFile(bytes), { maxPixels: MAX_PIXELS }));
    const whole = wholeFrameMeasure(frame);
    for (const bandRows of [1, 7, 64]) expect(await measureRaster(streamImageData(frame, { bandRows }))).toEqual(whole);
    expect(await measureRaster(await openRaster(bytesFile(bytes), { maxPixels: MAX_PIXELS, bandBytes: 4096 }))).toEqual(whole);
    const f = readable((await analyze(name)).file);
    expect(f.pixelsAnalyzed).toBe(true);
    expect(f.alphaUsed).toBe(whole.alphaUsed);
    expect(f.sharpness).toEqual(whole.sharpness && { ...whole.sharpness, threshold: SOFT_IMAGE_THRESHOLD });
  });

  it("a picture larger than the 1024 px sample, partly transparent: every split into bands gives the whole frame's result", async () => {
    const width = 1500;
    const height = 1100;
    const data = new Uint8ClampedArray(width * height * 4);
    let seed = 12345;
    const noise = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24);
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i += 4) {
        data[i] = (x * 3 + noise()) & 0xff;
        data[i + 1] = (y * 5) & 0xff;
        data[i + 2] = noise();
        // A transparent disc in the middle.
        data[i + 3] = (x - 750) ** 2 + (y - 550) ** 2 < 200 ** 2 ? (x + y) & 0xff : 255;
      }
    }
    const frame = { width, height, data };
    const whole = wholeFrameMeasure(frame);
    // 1500 px long side → 1024; 1100 × 1024 / 1500 = 750.9 → 751.
    expect(whole).toMatchObject({ alphaUsed: true, sharpness: { sampledWidthPx: 1024, sampledHeightPx: 751 } });
    for (const bandRows of [1, 7, 333, 1100]) {
      expect(await measureRaster(streamImageData(new ImageData(data, width, height), { bandRows }))).toEqual(whole);
    }
  });
});

describe("bad input never throws", () => {
  it("decodes nothing over the pixel limit, but still rules on resolution from the header", async () => {
    const { file, issues } = await analyze("jpeg-rgb-72dpi.jpg", REQ, 300 * 300 - 1);
    expect(readable(file)).toMatchObject({ pixelsAnalyzed: false, sharpness: null, effectivePpi: 72 });
    expect(codes(issues)).toEqual(["LOW_RESOLUTION", "NO_ICC_PROFILE", "RASTER_TOO_LARGE"]);
  });

  it("pixels a decoder's memory bound keeps from decoding: an error, so the file cannot pass", async () => {
    // An interlaced 8-bit RGB PNG of 6000 × 6000 px: Adam7's passes 1–6 (every even row, 6000 × 3 bytes
    // each, about 54 MB) come before its first full row, past the 48 MiB the row decoder holds.
    const png = craftPng(6000, 6000, await zlibOfZeros(1024), { interlaced: true });
    const { file, issues } = await analyzeRaster(bytesFile(png), "png", REQ, 40_000_000);
    expect(readable(file)).toMatchObject({ widthPx: 6000, heightPx: 6000, pixelsAnalyzed: false, sharpness: null });
    const skipped = issues.find((i) => i.code === "PIXEL_CHECKS_SKIPPED");
    expect(skipped).toMatchObject({ severity: "error", details: { limit: "decoder" } });
    expect(skipped!.message).toMatch(/interlac.*cannot pass/);
  });

  it("an alpha channel that was not decoded leaves alphaUsed unknown", async () => {
    const f = readable((await analyze("png-alpha-used.png", REQ, 1000)).file);
    expect(f).toMatchObject({ hasAlphaChannel: true, alphaUsed: null, pixelsAnalyzed: false });
  });

  it.each([
    ["empty", () => new Uint8Array(0), "png"],
    ["text", () => new TextEncoder().encode("<html>not an image</html>"), "jpeg"],
    ["a PDF", (b: Record<string, Uint8Array>) => b.pdf!, "png"],
    ["a JPEG SOI and nothing else", () => Uint8Array.of(0xff, 0xd8, 0xff), "jpeg"],
    ["a PNG signature and a bad IHDR", (b: Record<string, Uint8Array>) => b.png!.slice(0, 20), "png"],
    ["a TIFF header pointing nowhere", () => Uint8Array.of(0x49, 0x49, 42, 0, 0xff, 0xff, 0, 0), "tiff"],
  ] as const)("%s → unreadable, RASTER_DAMAGED", async (_label, make, type) => {
    const samples = { pdf: await fixtureBytes("preflight/pdf-cmyk.pdf"), png: await fixtureBytes("preflight/png-gray.png") };
    const { file, issues } = await analyzeRaster(bytesFile(make(samples)), type, REQ, MAX_PIXELS);
    expect(file.readable).toBe(false);
    expect(issues.map((i) => [i.code, i.severity])).toContainEqual(["RASTER_DAMAGED", "error"]);
  });

  it.each(DAMAGED)("%s → RASTER_DAMAGED", async (_label, name, damage, message) => {
    const { issues } = await analyzeRaster(bytesFile(damage(await fixtureBytes(`preflight/${name}`))), typeOf(name), REQ, MAX_PIXELS);
    const damaged = issues.find((i) => i.code === "RASTER_DAMAGED");
    expect(damaged).toMatchObject({ severity: "error" });
    expect(damaged!.message).toMatch(message);
  });
});

const DAMAGED = [
  ["a PNG cut at 40 %", "png-alpha-used.png", (b: Uint8Array) => b.slice(0, Math.floor(b.length * 0.4)), /runs past the end/],
  ["a PNG with scrambled image data", "png-alpha-used.png", (b: Uint8Array) => scramble(b, 5000, 100), /does not decode/],
  ["a JPEG with scrambled scan data", "jpeg-rgb-300dpi.jpg", (b: Uint8Array) => scramble(b, 3000, 400), /damaged/],
  ["a TIFF cut before its IFD", "tiff-rgb-lzw.tif", (b: Uint8Array) => b.slice(0, 30_000), /cannot be read/],
] as const;

/**
 * A stored file larger than the first bytes at hand (the 256 KiB a check keeps of a file
 * of up to 100 MB) is never read whole for its header: a JPEG's or PNG's structure is
 * walked as it streams, a TIFF's tags are read by range. Here the same files are checked
 * twice, once with all their bytes at hand and once with only their first 64 bytes and the
 * rest handed out in 7-byte pieces (so every marker, chunk and length field is split), and
 * the reports must be the same.
 */
describe("a file larger than its first bytes at hand", () => {
  /** `bytes` as a stored file, with its ranged reads recorded. */
  function stored(bytes: Uint8Array) {
    const file = bytesFile(bytes, 7);
    const reads: number[] = [];
    return {
      reads,
      file: { ...file, read: (offset: number, length: number) => (reads.push(length), file.read(offset, length)) },
    };
  }

  it.each([...RASTERS, "png-bomb-20000x20000.png"])("%s: the same report", async (name) => {
    const bytes = await fixtureBytes(`preflight/${name}`);
    const type = name === "misnamed-png-as.jpg" ? "png" : typeOf(name);
    const { file } = stored(bytes);
    expect(await analyzeRaster(file, type, REQ, MAX_PIXELS, bytes.slice(0, 64))).toEqual(await analyzeRaster(bytesFile(bytes), type, REQ, MAX_PIXELS));
  });

  it.each(DAMAGED)("%s: the same report", async (_label, name, damage) => {
    const bytes = damage(await fixtureBytes(`preflight/${name}`));
    const { file } = stored(bytes);
    expect(await analyzeRaster(file, typeOf(name), REQ, MAX_PIXELS, bytes.slice(0, 64))).toEqual(await analyzeRaster(bytesFile(bytes), typeOf(name), REQ, MAX_PIXELS));
  });

  it.each(["preflight/png-bomb-20000x20000.png", "preflight/jpeg-truncated.jpg", "preflight/jpeg-cmyk-icc.jpg", "preflight/png-alpha-used.png", "tiff-bands/big-planar-packbits-strip32.tif.gz"])(
    "%s is never read whole for its header and structure (pixels not decoded: over a 1000-pixel limit)",
    async (name) => {
      const bytes = name.endsWith(".gz") ? await gunzip(await fixtureBytes(name)) : await fixtureBytes(name);
      const { file, reads } = stored(bytes);
      const { file: facts } = await analyzeRaster(file, typeOf(name.replace(/\.gz$/, "")), REQ, 1000, bytes.slice(0, 64));
      expect(readable(facts).pixelsAnalyzed).toBe(false);
      expect(Math.max(0, ...reads)).toBeLessThan(bytes.length);
    },
  );
});

async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer());
}

function scramble(bytes: Uint8Array, from: number, length: number): Uint8Array {
  const copy = bytes.slice();
  for (let i = from; i < from + length; i++) copy[i] = (i * 7) & 0xff;
  return copy;
}
