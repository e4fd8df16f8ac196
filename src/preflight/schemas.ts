import { z } from "@hono/zod-openapi";
import { HttpUrl } from "../bg-removal/schemas";
import { PRODUCT_TYPES } from "./dpi";

/** A million pixels per side and 1,000 inches (83 ft) per canvas side bound every real print. */
export const MAX_PIXELS_PER_SIDE = 1_000_000;
export const MAX_CANVAS_INCHES = 1_000;
/**
 * A quarter of a millimetre: smaller than any print product, and large
 * enough that pixels per inch and crop stay finite numbers (a canvas of
 * 1e-310 in made effectivePpi and cropPercent come out as null).
 */
export const MIN_CANVAS_INCHES = 0.01;

const Pixels = z.number().int().min(1).max(MAX_PIXELS_PER_SIDE);
const Inches = z.number().min(MIN_CANVAS_INCHES).max(MAX_CANVAS_INCHES);

export const DpiScoreRequest = z
  .object({
    widthPx: Pixels.openapi({ example: 4000 }),
    heightPx: Pixels.openapi({ example: 3000 }),
    canvasWidthInches: Inches.openapi({ example: 30 }),
    canvasHeightInches: Inches.openapi({ example: 20 }),
    productType: z.enum(PRODUCT_TYPES).openapi({ example: "photo_on_canvas" }),
  })
  .openapi("DpiScoreRequest");

export const DpiScoreResponse = z
  .object({
    data: z.object({
      stars: z.number().int().min(1).max(5),
      label: z.string(),
      effectivePpi: z.number().int(),
      minPpi: z.number().int(),
      productType: z.enum(PRODUCT_TYPES),
      maxPrintSizeInches: z.object({ width: z.number(), height: z.number() }),
      cropPercent: z.number(),
    }),
  })
  .openapi("DpiScore");

export const PREFLIGHT_FILE_TYPES = ["jpeg", "png", "tiff", "pdf"] as const;
export type PreflightFileType = (typeof PREFLIGHT_FILE_TYPES)[number];
export const COLOR_MODES = ["rgb", "cmyk", "any"] as const;
export const REPORT_STATUSES = ["passed", "warnings", "failed"] as const;
export type ReportStatus = (typeof REPORT_STATUSES)[number];

/** 2,400 dpi is beyond any print process; 50 mm beyond any product's bleed. */
export const MAX_REQUIRED_DPI = 2400;
export const MAX_BLEED_MM = 50;

export const CreateCheck = z
  .object({
    designId: z.string().min(1).max(200).openapi({ example: "design_12345" }),
    fileUrl: HttpUrl.openapi({ description: "The print file (JPEG, PNG, TIFF or PDF), or a fileUrl from POST /v1/services/uploads", example: "https://example.com/artwork.pdf" }),
    fileType: z.enum(PREFLIGHT_FILE_TYPES).optional().openapi({ description: "Detected from the file's bytes when omitted; when given and different, the report says so." }),
    productProfile: z
      .object({
        requiredDpi: z.number().int().min(1).max(MAX_REQUIRED_DPI).optional(),
        requiredColorMode: z.enum(COLOR_MODES).optional(),
        bleedMm: z.number().min(0).max(MAX_BLEED_MM).optional(),
      })
      .strict()
      .optional()
      .openapi({ example: { requiredDpi: 300, requiredColorMode: "cmyk", bleedMm: 3 } }),
    canvasWidthInches: Inches.optional(),
    canvasHeightInches: Inches.optional(),
    productType: z.enum(PRODUCT_TYPES).optional(),
  })
  .refine((body) => (body.canvasWidthInches === undefined) === (body.canvasHeightInches === undefined), {
    message: "canvasWidthInches and canvasHeightInches go together",
    path: ["canvasHeightInches"],
  })
  .openapi("CreatePreflightCheck");
export type CreateCheck = z.infer<typeof CreateCheck>;

const Issue = z
  .object({
    code: z.string().openapi({ example: "MISSING_BLEED" }),
    severity: z.enum(["error", "warning", "info"]),
    message: z.string(),
    page: z.number().int().optional(),
    details: z.record(z.string(), z.unknown()),
    fixable: z.boolean(),
    fixType: z.string().optional().openapi({ example: "add_bleed" }),
  })
  .openapi("PreflightIssue");

export const Report = z
  .object({
    reportId: z.string().openapi({ example: "report_V1StGXR8_Z5jdHi6B-myT" }),
    designId: z.string(),
    status: z.enum(REPORT_STATUSES),
    fileType: z.enum(PREFLIGHT_FILE_TYPES),
    fileUrl: z.string(),
    requirements: z.record(z.string(), z.unknown()),
    file: z.record(z.string(), z.unknown()),
    issues: z.array(Issue),
    summary: z.object({ errors: z.number().int(), warnings: z.number().int(), info: z.number().int() }),
    createdAt: z.string(),
  })
  .openapi("PreflightReport");
export type Report = z.infer<typeof Report>;

export const ReportEnvelope = z.object({ data: Report }).openapi("PreflightReportResponse");

export const ReportPage = z
  .object({ data: z.array(Report), meta: z.object({ nextCursor: z.string().nullable() }) })
  .openapi("PreflightReportPage");


export const ReportIdParam = z.object({
  reportId: z.string().min(1).max(64).openapi({ param: { name: "reportId", in: "path" }, example: "report_V1StGXR8_Z5jdHi6B-myT" }),
});

export const ReportDeleted = z
  .object({ data: z.object({ reportId: z.string(), deleted: z.literal(true) }) })
  .openapi("PreflightReportDeleted");
