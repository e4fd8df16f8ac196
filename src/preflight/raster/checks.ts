import { scoreDpi } from "../dpi";
import { issue, MM_PER_INCH, type PreflightIssue, type Requirements } from "../issues";
import type { ReadableRasterFacts } from "./facts";
import type { RasterHeader } from "./header";

/**
 * Sharpness (1 − Crété-Roffet blur effect) below which an image is reported
 * soft. Calibrated on the fixtures: sharp photos and composites score
 * 0.579–0.769 (photo-sharp.png 0.668, bg/*.jpg 0.638–0.769), photo-blurred.png
 * (Gaussian σ 2.5 px) 0.219; a Gaussian blur of σ 1.25 px at the measured
 * size lands at 0.39–0.47, σ 1.5 px at 0.34–0.44. So 0.40 flags what looks
 * clearly soft and leaves a 4× Lanczos enlargement of a sharp photo (0.44)
 * alone.
 */
export const SOFT_IMAGE_THRESHOLD = 0.4;
/** Cropping up to this share of the image to fit the canvas is normal trimming, not a mismatch. */
export const ASPECT_CROP_TOLERANCE_PERCENT = 2;

const round2 = (n: number) => Math.round(n * 100) / 100;
/** As scoreDpi floors: the epsilon keeps exact quotients (3000 / 20) from flooring one below. */
const floorPpi = (ppi: number) => Math.floor(ppi + 1e-9);

export interface Placement {
  printSizeInches: ReadableRasterFacts["printSizeInches"];
  effectivePpi: number | null;
  /** Unrounded effective ppi, for what an upscale would reach. */
  exactPpi: number | null;
  dpiRating: ReadableRasterFacts["dpiRating"];
  cropPercent: number | null;
  bleed: ReadableRasterFacts["bleed"];
}

/**
 * Where and how densely the image prints. With a canvas, the image is scaled
 * to cover it as the quick DPI score does; the canvas is turned to the
 * image's orientation (a 30×20 in canvas takes a portrait photo as 20×30),
 * because a print product can be hung either way. Without a canvas, the
 * image prints at the dpi it states. Without either, nothing is known.
 */
export function placeImage(header: RasterHeader, req: Requirements): Placement {
  // EXIF orientations 5–8 turn the picture a quarter: displayed width is the stored height.
  const turned = (header.exifOrientation ?? 1) >= 5;
  const w = turned ? header.heightPx : header.widthPx;
  const h = turned ? header.widthPx : header.heightPx;
  const none: Placement = { printSizeInches: null, effectivePpi: null, exactPpi: null, dpiRating: null, cropPercent: null, bleed: null };

  let canvasW: number;
  let canvasH: number;
  let basis: "canvas" | "embedded_dpi";
  if (req.canvas) {
    const { widthInches, heightInches } = req.canvas;
    const flip = (w > h && widthInches < heightInches) || (w < h && widthInches > heightInches);
    [canvasW, canvasH] = flip ? [heightInches, widthInches] : [widthInches, heightInches];
    basis = "canvas";
  } else if (header.embeddedDpi) {
    const { x, y } = header.embeddedDpi;
    [canvasW, canvasH] = turned ? [w / y, h / x] : [w / x, h / y];
    basis = "embedded_dpi";
  } else {
    return none;
  }

  // Only effectivePpi, stars and cropPercent are used; the product type changes nothing but the stars.
  const score = scoreDpi({ widthPx: w, heightPx: h, canvasWidthInches: canvasW, canvasHeightInches: canvasH, productType: req.productType ?? "poster" });
  const placement: Placement = {
    printSizeInches: { width: round2(canvasW), height: round2(canvasH), basis },
    effectivePpi: score.effectivePpi,
    exactPpi: Math.min(w / canvasW, h / canvasH),
    dpiRating: req.productType ? { stars: score.stars, label: score.label, minPpi: score.minPpi } : null,
    cropPercent: basis === "canvas" ? score.cropPercent : null,
    bleed: null,
  };
  if (basis === "canvas") {
    const bleedInches = (2 * req.bleedMm) / MM_PER_INCH;
    const needW = (canvasW + bleedInches) * req.requiredDpi;
    const needH = (canvasH + bleedInches) * req.requiredDpi;
    placement.bleed = {
      bleedMm: req.bleedMm,
      requiredWidthPx: Math.ceil(needW - 1e-9),
      requiredHeightPx: Math.ceil(needH - 1e-9),
      covered: w + 1e-9 >= needW && h + 1e-9 >= needH,
    };
  }
  return placement;
}

const inches = (size: { width: number; height: number }) => `${size.width} × ${size.height} in`;

function resolutionIssues(f: ReadableRasterFacts, exactPpi: number | null): PreflightIssue[] {
  const out: PreflightIssue[] = [];
  const print = f.printSizeInches;
  if (!f.embeddedDpi) {
    out.push(
      issue(
        "NO_EMBEDDED_RESOLUTION",
        print ? `The file states no dpi; its print size is taken from the canvas (${inches(print)}).` : "The file states no dpi and no canvas size was given, so its print size and effective resolution are unknown.",
        { canvasGiven: print !== null },
      ),
    );
  }
  if (!print || f.effectivePpi === null || exactPpi === null) return out;

  const dpi = f.embeddedDpi && (f.embeddedDpi.x === f.embeddedDpi.y ? `${f.embeddedDpi.x} dpi` : `${f.embeddedDpi.x} × ${f.embeddedDpi.y} dpi`);
  const where = print.basis === "canvas" ? `on the ${inches(print)} canvas` : `at the size the file states (${dpi}: ${inches(print)})`;
  if (f.effectivePpi < f.requiredDpi) {
    const after2x = floorPpi(exactPpi * 2);
    const after4x = floorPpi(exactPpi * 4);
    const fixType = after2x >= f.requiredDpi ? "upscale_resolution_2x" : "upscale_resolution_4x";
    const outcome =
      fixType === "upscale_resolution_2x"
        ? `Upscaling 2× reaches ${after2x} ppi.`
        : after4x >= f.requiredDpi
          ? `Upscaling 4× reaches ${after4x} ppi.`
          : `Even upscaling 4× reaches only ${after4x} ppi, still below ${f.requiredDpi} dpi; use a larger original or print smaller.`;
    out.push(
      issue(
        "LOW_RESOLUTION",
        `${f.widthPx} × ${f.heightPx} px gives ${f.effectivePpi} ppi ${where}; ${f.requiredDpi} dpi is required. ${outcome}`,
        { effectivePpi: f.effectivePpi, requiredDpi: f.requiredDpi, printSizeInches: print, ppiAfter2x: after2x, ppiAfter4x: after4x, reachesTargetAfterFix: after4x >= f.requiredDpi },
        { fixType },
      ),
    );
  } else if (f.bleed && !f.bleed.covered) {
    // Only when the trim itself is covered at the required dpi: a shortfall at the trim is LOW_RESOLUTION's, reported once.
    out.push(
      issue(
        "MISSING_BLEED",
        `The image covers the canvas at ${f.requiredDpi} dpi but not the ${f.bleed.bleedMm} mm bleed around it: that needs ${f.bleed.requiredWidthPx} × ${f.bleed.requiredHeightPx} px.`,
        { bleedMm: f.bleed.bleedMm, requiredWidthPx: f.bleed.requiredWidthPx, requiredHeightPx: f.bleed.requiredHeightPx },
        { fixType: "add_bleed" },
      ),
    );
  }
  if (print.basis === "canvas" && f.cropPercent !== null && f.cropPercent > ASPECT_CROP_TOLERANCE_PERCENT) {
    out.push(
      issue("ASPECT_RATIO_MISMATCH", `The image's aspect ratio differs from the canvas; ${f.cropPercent} % of it is cropped to fill ${inches(print)}.`, {
        cropPercent: f.cropPercent,
        imageAspect: round2(Math.max(f.widthPx, f.heightPx) / Math.min(f.widthPx, f.heightPx)),
        canvasAspect: round2(Math.max(print.width, print.height) / Math.min(print.width, print.height)),
      }),
    );
  }
  return out;
}

function colorIssues(f: ReadableRasterFacts, req: Requirements): PreflightIssue[] {
  const out: PreflightIssue[] = [];
  // Grey and palette images print through an RGB workflow unchanged; only CMYK (or Lab) differs from it.
  const fitsRgb = f.colorMode !== "cmyk" && f.colorMode !== "lab" && f.colorMode !== "other";
  if (req.requiredColorMode === "cmyk" && f.colorMode !== "cmyk") {
    out.push(
      issue("COLOR_MODE_MISMATCH", `The image is ${f.colorMode.toUpperCase()}; this product requires CMYK.`, { colorMode: f.colorMode, requiredColorMode: "cmyk" }, { severity: "error" }),
    );
  } else if (req.requiredColorMode === "rgb" && !fitsRgb) {
    out.push(issue("COLOR_MODE_MISMATCH", `The image is ${f.colorMode.toUpperCase()}; this product expects RGB.`, { colorMode: f.colorMode, requiredColorMode: "rgb" }));
  }
  // A PNG sRGB chunk defines the colours as fully as an sRGB profile would.
  if (!f.iccProfile.present && !f.srgbDeclared) {
    const space = f.colorMode === "cmyk" ? "CMYK" : f.colorMode === "gray" ? "greyscale" : "RGB";
    out.push(issue("NO_ICC_PROFILE", `No ICC profile is embedded; the printer will assume its default ${space} profile.`, { colorMode: f.colorMode }));
  }
  if (f.bitDepth > 8) out.push(issue("HIGH_BIT_DEPTH", `${f.bitDepth} bits per channel.`, { bitDepth: f.bitDepth }));
  if (f.colorMode === "indexed") out.push(issue("INDEXED_COLOR", "The image uses a colour palette (indexed colour).", { bitDepth: f.bitDepth }));
  return out;
}

function pixelIssues(f: ReadableRasterFacts): PreflightIssue[] {
  const out: PreflightIssue[] = [];
  if (f.alphaUsed) {
    out.push(issue("TRANSPARENCY", "Some pixels are transparent or partly transparent.", {}, { fixType: "remove_transparency" }));
  }
  if (f.sharpness && f.sharpness.score < f.sharpness.threshold) {
    out.push(
      issue("SOFT_IMAGE", `The image looks soft: sharpness ${f.sharpness.score} is below ${f.sharpness.threshold}.`, { ...f.sharpness }, { fixType: "sharpen_edges" }),
    );
  }
  return out;
}

/** Every issue the facts call for; the analyzer adds damage and skipped-decoding issues itself. */
export function raiseRasterIssues(f: ReadableRasterFacts, req: Requirements, exactPpi: number | null): PreflightIssue[] {
  return [...resolutionIssues(f, exactPpi), ...colorIssues(f, req), ...pixelIssues(f)];
}
