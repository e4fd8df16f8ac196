import type { schema } from "../db/client";
import type { PreflightIssue } from "../preflight/issues";
import { MM_PER_INCH } from "../preflight/issues";
import { AppError } from "../platform/errors";
import { FIX_TYPE_TOKENS, type FixType } from "../pricing/prices";

type ReportRow = typeof schema.preflightReports.$inferSelect;

/** The binding order when several fixes apply: flatten → upscale → sharpen → bleed. */
export const FIX_ORDER: readonly FixType[] = ["remove_transparency", "upscale_resolution_2x", "upscale_resolution_4x", "sharpen_edges", "add_bleed"];

/**
 * Fixes whose work depends on the file (the reference prices them "~"):
 * each is charged only when it changes the file, so its price is in the
 * estimate's max always and in its min only when the report shows the
 * problem it fixes. Upscales always change the file and cost exactly their
 * price.
 */
const CONDITIONAL: readonly FixType[] = ["remove_transparency", "sharpen_edges", "add_bleed"];

/** Bleed added when the report's profile asked for none (the print industry's usual 3 mm). */
const FALLBACK_BLEED_MM = 3;

export interface FixOptions {
  fixTypes?: FixType[];
  targetDpi?: number;
}

/** What the consumer needs to apply the fixes, stored as the job's params. */
export interface FixParams {
  reportId: string;
  sourceKey: string;
  fileType: ReportRow["fileType"];
  fixTypes: FixType[];
  /** Fixes the report shows are needed (the estimate's min). */
  confirmed: FixType[];
  bleedMm: number;
  /** The raster's print resolution before any upscale (bleed width and the written dpi follow from it). */
  printPpi: number | null;
  targetDpi: number | null;
  width: number | null;
  height: number | null;
  /**
   * Whether any pixel is not fully opaque, from the report's pixel checks
   * (null when unknown, e.g. a PDF or a job made before it was recorded).
   * The consumer streams the image, so it must know before the first row
   * whether flattening will change anything and whether the output needs
   * an alpha channel.
   */
  alphaUsed?: boolean | null;
  estimatedTokenCost: { min: number; max: number };
}

function unprocessable(message: string, details: Record<string, unknown> = {}): AppError {
  return new AppError("UNPROCESSABLE_INPUT", message, { details });
}

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null);

/**
 * The raster's print resolution: at the canvas when the report had one, else
 * the file's own dpi, else the required dpi. The report's effectivePpi is
 * rounded down (a rating), so when it came from the file's own dpi that dpi
 * is used as stored: a 150 dpi PNG holds 5905 px/m, 149.99 dpi, and its 2×
 * upscale must say 299.98, not 298.
 */
function printPpiOf(file: Record<string, unknown>, requirements: Record<string, unknown>): number | null {
  const embedded = file.embeddedDpi as { x?: number; y?: number } | null | undefined;
  const embeddedPpi = num(embedded ? Math.min(embedded.x ?? 0, embedded.y ?? 0) : null);
  const basis = (file.printSizeInches as { basis?: string } | null | undefined)?.basis;
  if (basis === "embedded_dpi" && embeddedPpi) return embeddedPpi;
  return num(file.effectivePpi) ?? embeddedPpi ?? num(requirements.requiredDpi);
}

/**
 * Turns a report and the caller's options into the fixes to run, in order,
 * with their cost. Everything that cannot apply is refused here, before any
 * token is taken.
 */
/** Report codes that mean the file's pixels or pages cannot be worked on here. */
const UNWORKABLE: Partial<Record<string, string>> = {
  RASTER_DAMAGED: "The file is damaged",
  PDF_DAMAGED: "The PDF is damaged",
  PDF_ENCRYPTED: "The PDF is encrypted",
  RASTER_TOO_LARGE: "The image has more pixels than the service decodes (MAX_SOURCE_PIXELS)",
  PIXEL_CHECKS_SKIPPED: "The image's pixels cannot be decoded here (e.g. a 12-bit JPEG)",
};

export function planFix(report: ReportRow, options: FixOptions, limits: { maxOutputPixels: number }): FixParams {
  const issues = report.issues as unknown as PreflightIssue[];
  const blocker = issues.find((i) => UNWORKABLE[i.code]);
  if (blocker) throw unprocessable(`${UNWORKABLE[blocker.code]}, so it cannot be fixed automatically; export the file again and check it anew.`, { code: blocker.code });
  const suggested = [...new Set(issues.flatMap((i) => (i.fixable && i.fixType ? [i.fixType] : [])))];
  let requested = options.fixTypes ? [...new Set(options.fixTypes)] : suggested;
  if (requested.length === 0) {
    throw unprocessable("The report has no fixable issues; there is nothing to fix. Pass options.fixTypes to apply a fix anyway.", { reportStatus: report.status });
  }
  if (requested.includes("upscale_resolution_2x") && requested.includes("upscale_resolution_4x")) {
    throw unprocessable("Choose one of upscale_resolution_2x and upscale_resolution_4x, not both.");
  }
  if (report.fileType === "pdf") {
    const unsupported = requested.filter((f) => f !== "add_bleed");
    if (unsupported.length > 0) throw unprocessable("PDF auto-fix currently supports add_bleed only.", { unsupported });
  }

  const file = report.file;
  const requirements = report.requirements;
  const width = num(file.widthPx);
  const height = num(file.heightPx);
  const printPpi = report.fileType === "pdf" ? null : printPpiOf(file, requirements);

  // An upscale chosen from the report follows targetDpi when one is given: the smallest factor that reaches it.
  if (!options.fixTypes && options.targetDpi && printPpi) {
    const upscale = requested.find((f) => f.startsWith("upscale_"));
    if (upscale) requested = requested.map((f) => (f === upscale ? (printPpi * 2 >= options.targetDpi! ? "upscale_resolution_2x" : "upscale_resolution_4x") : f));
  }
  const fixTypes = FIX_ORDER.filter((f) => requested.includes(f));

  const bleedMm = num(requirements.bleedMm) ?? FALLBACK_BLEED_MM;
  if (report.fileType !== "pdf" && width && height) {
    const factor = fixTypes.includes("upscale_resolution_4x") ? 4 : fixTypes.includes("upscale_resolution_2x") ? 2 : 1;
    const bleedPx = fixTypes.includes("add_bleed") && printPpi ? 2 * Math.round((bleedMm / MM_PER_INCH) * printPpi * factor) : 0;
    const outputPixels = (width * factor + bleedPx) * (height * factor + bleedPx);
    if (outputPixels > limits.maxOutputPixels) {
      throw unprocessable(
        `The corrected image would be ${(outputPixels / 1e6).toFixed(1)} MP, over the ${(limits.maxOutputPixels / 1e6).toFixed(0)} MP limit (MAX_OUTPUT_PIXELS); choose a smaller upscale.`,
        { outputPixels, maxOutputPixels: limits.maxOutputPixels },
      );
    }
  }

  const confirmed = fixTypes.filter((f) => !CONDITIONAL.includes(f) || suggested.includes(f));
  const cost = (list: FixType[]) => list.reduce((sum, f) => sum + FIX_TYPE_TOKENS[f], 0);
  return {
    reportId: report.id,
    sourceKey: report.sourceKey,
    fileType: report.fileType,
    fixTypes,
    confirmed,
    bleedMm,
    printPpi,
    targetDpi: options.targetDpi ?? null,
    width,
    height,
    alphaUsed: typeof file.alphaUsed === "boolean" ? file.alphaUsed : null,
    estimatedTokenCost: { min: cost(confirmed), max: cost(fixTypes) },
  };
}
