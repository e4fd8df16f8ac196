import { issue, MM_PER_INCH, type IssueCode, type PreflightIssue, type Requirements } from "../issues";
import { round } from "./boxes";
import type { PdfFacts, PdfPageBoxes } from "./facts";
import type { PageFindings } from "./graphics-state";
import { THIN_LINE_PT } from "./interpreter";
import { pageUsesTransparency, type FindingsByPage } from "./summarize";

/** Trim size may differ from the canvas by this much (rounding in design tools, pt ↔ mm conversions). */
export const TRIM_TOLERANCE_MM = 1;
/** Bleed may fall short of the requirement by this much: 3 mm written as 8.5 pt is 2.999 mm. */
export const BLEED_TOLERANCE_MM = 0.05;
/** A 500-page book with one problem on every page gets this many issues of a kind plus one summary. */
const MAX_ISSUES_PER_CODE = 50;

/**
 * The issues the measured facts raise against the requirements, in the order
 * a reader should fix them. `structure` lists document-level defects found
 * while reading (each becomes a PDF_DAMAGED).
 */
export function raisePdfIssues(facts: PdfFacts, findings: FindingsByPage, req: Requirements, structure: string[] = []): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  if (facts.encrypted) {
    issues.push(issue("PDF_ENCRYPTED", "The PDF is encrypted: its page content cannot be read without the password, so only page sizes, bleed and fonts were checked.", { contentAnalyzed: false }));
  }
  for (const problem of structure) issues.push(issue("PDF_DAMAGED", problem));
  for (const [page, f] of findings) {
    if (f.damage.length > 0) issues.push(issue("PDF_DAMAGED", `Some content of page ${page} could not be decoded and was not checked.`, { reasons: f.damage.slice(0, 5) }, { page }));
  }
  if (facts.limits.length > 0) {
    issues.push(issue("PDF_CHECK_INCOMPLETE", facts.limits.map((l) => l.message).join(" "), { limits: facts.limits.map((l) => l.limit), pages: facts.pages, pagesAnalyzed: facts.pagesAnalyzed }));
  }
  issues.push(...capped("TRIM_SIZE_MISMATCH", facts.pageBoxes.flatMap((boxes) => trimIssue(boxes, req)), "pages"));
  issues.push(...capped("MISSING_BLEED", facts.pageBoxes.flatMap((boxes) => bleedIssue(boxes, req)), "pages"));
  issues.push(...capped("FONT_NOT_EMBEDDED", fontIssues(facts), "fonts"));
  issues.push(...capped("IMAGE_LOW_RESOLUTION", imageIssues(facts, findings, req), "images"));
  issues.push(...colorIssues(facts, req));
  issues.push(...capped("PDF_TRANSPARENCY", [...findings].flatMap(([page, f]) => transparencyIssue(page, f)), "pages"));
  issues.push(...capped("THIN_LINES", [...findings].flatMap(([page, f]) => thinLineIssue(page, f)), "pages"));
  if (facts.pages > 1) issues.push(issue("MULTIPLE_PAGES", `The PDF has ${facts.pages} pages.`, { pages: facts.pages }));
  return issues;
}

/**
 * Either orientation matches: a 4×6 in canvas accepts a 6×4 in page, since
 * the page's /Rotate or the printer's imposition turns it; what matters is
 * the physical size.
 */
function trimIssue(boxes: PdfPageBoxes, req: Requirements): PreflightIssue[] {
  if (!req.canvas) return [];
  const { width, height } = boxes.trimSizeInches;
  const { widthInches, heightInches } = req.canvas;
  const tolerance = TRIM_TOLERANCE_MM / MM_PER_INCH;
  const fits = (w: number, h: number) => Math.abs(w - widthInches) <= tolerance && Math.abs(h - heightInches) <= tolerance;
  if (fits(width, height) || fits(height, width)) return [];
  return [
    issue(
      "TRIM_SIZE_MISMATCH",
      `Page ${boxes.page} trims to ${round(width, 3)} × ${round(height, 3)} in; the canvas is ${widthInches} × ${heightInches} in.`,
      { trimSizeInches: boxes.trimSizeInches, trimSizeMm: boxes.trimSizeMm, canvasInches: { width: widthInches, height: heightInches }, toleranceMm: TRIM_TOLERANCE_MM },
      { page: boxes.page },
    ),
  ];
}

function bleedIssue(boxes: PdfPageBoxes, req: Requirements): PreflightIssue[] {
  if (req.bleedMm <= 0) return [];
  const { left, right, top, bottom } = boxes.bleedMm;
  const shortest = Math.min(left, right, top, bottom);
  if (shortest >= req.bleedMm - BLEED_TOLERANCE_MM) return [];
  return [
    issue(
      "MISSING_BLEED",
      `Page ${boxes.page} has ${round(Math.max(0, shortest), 2)} mm of bleed at its narrowest side; ${req.bleedMm} mm is required on every side.`,
      { requiredMm: req.bleedMm, bleedMm: boxes.bleedMm, shortestMm: shortest, boxesInFile: boxes.boxesInFile },
      { page: boxes.page, fixType: "add_bleed" },
    ),
  ];
}

function fontIssues(facts: PdfFacts): PreflightIssue[] {
  return facts.fonts
    .filter((font) => !font.embedded)
    .map((font) =>
      issue(
        "FONT_NOT_EMBEDDED",
        `Font "${font.name}" (${font.type}) is not embedded${font.standard14 ? "; as one of the standard 14 fonts it is replaced by whatever version the printer has" : ""}.`,
        { font: font.name, type: font.type, standard14: font.standard14, pages: font.pages },
        { page: font.page },
      ),
    );
}

function imageIssues(facts: PdfFacts, findings: FindingsByPage, req: Requirements): PreflightIssue[] {
  const listed = facts.images.filter((image) => image.effectivePpi < req.requiredDpi);
  const issues = listed.map((image) =>
    issue(
      "IMAGE_LOW_RESOLUTION",
      `An image on page ${image.page} (${image.widthPx} × ${image.heightPx} px placed at ${image.placedWidthIn} × ${image.placedHeightIn} in) has ${Math.floor(image.effectivePpi)} ppi; ${req.requiredDpi} is required.`,
      { ...image, requiredDpi: req.requiredDpi },
      { page: image.page },
    ),
  );
  // Placements past the listing bound were still measured: say how many of them are low too.
  const total = [...findings.values()].reduce((n, f) => n + f.lowResolutionImages, 0);
  if (total > listed.length) {
    issues.push(issue("IMAGE_LOW_RESOLUTION", `${total - listed.length} more image placements are below ${req.requiredDpi} ppi.`, { more: total - listed.length, requiredDpi: req.requiredDpi }));
  }
  return issues;
}

/**
 * RGB in a file that must be CMYK is an error: the RIP's conversion shifts
 * saturated colours visibly, and the profile asked for print-ready colour.
 * CMYK in a file that should be RGB is only a warning: it prints as intended.
 */
function colorIssues(facts: PdfFacts, req: Requirements): PreflightIssue[] {
  const issues: PreflightIssue[] = [];
  const wrong = req.requiredColorMode === "cmyk" ? "rgb" : req.requiredColorMode === "rgb" ? "cmyk" : null;
  const offending = wrong === null ? [] : facts.colorSpaces.filter((cs) => cs.process === wrong);
  if (offending.length > 0) {
    const pages = [...new Set(offending.flatMap((cs) => cs.pages))].sort((a, b) => a - b);
    issues.push(
      issue(
        "COLOR_MODE_MISMATCH",
        `The file paints in ${wrong === "rgb" ? "RGB" : "CMYK"} (${offending.map((cs) => cs.name).join(", ")}) on ${pages.length === 1 ? `page ${pages[0]}` : `${pages.length} pages`}; ${req.requiredColorMode.toUpperCase()} is required.`,
        { required: req.requiredColorMode, colorMode: facts.colorMode, colorSpaces: offending.map((cs) => cs.name), pages },
        { severity: wrong === "rgb" ? "error" : "warning", ...(pages.length > 0 ? { page: pages[0] } : {}) },
      ),
    );
  }
  for (const spot of facts.spotColors) {
    const pages = [...new Set(facts.colorSpaces.filter((cs) => cs.colorants?.includes(spot)).flatMap((cs) => cs.pages))].sort((a, b) => a - b);
    issues.push(issue("SPOT_COLOR", `Spot colour "${spot}" is used.`, { name: spot, pages }, pages.length > 0 ? { page: pages[0] } : {}));
  }
  return issues;
}

function transparencyIssue(page: number, f: PageFindings): PreflightIssue[] {
  if (!pageUsesTransparency(f)) return [];
  const what = [
    f.softMaskedImages > 0 ? `${f.softMaskedImages} soft-masked image${f.softMaskedImages === 1 ? "" : "s"}` : null,
    f.softMaskGStates > 0 ? "soft masks" : null,
    f.minFillAlpha !== null || f.minStrokeAlpha !== null ? `constant alpha down to ${Math.min(f.minFillAlpha ?? 1, f.minStrokeAlpha ?? 1)}` : null,
    f.blendModes.size > 0 ? `blend mode${f.blendModes.size === 1 ? "" : "s"} ${[...f.blendModes].join(", ")}` : null,
  ].filter((s): s is string => s !== null);
  return [
    issue(
      "PDF_TRANSPARENCY",
      `Page ${page} uses transparency: ${what.join("; ")}.`,
      { softMaskedImages: f.softMaskedImages, softMaskGStates: f.softMaskGStates, minFillAlpha: f.minFillAlpha, minStrokeAlpha: f.minStrokeAlpha, blendModes: [...f.blendModes] },
      { page },
    ),
  ];
}

function thinLineIssue(page: number, f: PageFindings): PreflightIssue[] {
  if (f.thinStrokes === 0 || f.minLineWidthPt === null) return [];
  const thinnest = round(f.minLineWidthPt, 4);
  return [
    issue(
      "THIN_LINES",
      `Page ${page} has ${f.thinStrokes} stroke${f.thinStrokes === 1 ? "" : "s"} thinner than ${THIN_LINE_PT} pt (thinnest ${thinnest === 0 ? "0 pt, a device hairline" : `${thinnest} pt`}).`,
      { strokes: f.thinStrokes, minWidthPt: thinnest, thresholdPt: THIN_LINE_PT },
      { page },
    ),
  ];
}

function capped(code: IssueCode, issues: PreflightIssue[], unit: string): PreflightIssue[] {
  if (issues.length <= MAX_ISSUES_PER_CODE) return issues;
  const rest = issues.length - MAX_ISSUES_PER_CODE;
  const first = issues[0]!;
  return [
    ...issues.slice(0, MAX_ISSUES_PER_CODE),
    issue(code, `The same problem affects ${rest} more ${unit}.`, { more: rest }, { severity: first.severity, ...(first.fixType ? { fixType: first.fixType } : {}) }),
  ];
}
