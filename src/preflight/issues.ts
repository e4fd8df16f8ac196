import type { FixType } from "../pricing/prices";
import type { ProductType } from "./dpi";

/**
 * What a full preflight check reports. The analyzers (raster, PDF) measure
 * facts and raise issues with codes from ISSUE_CODES; the report endpoint
 * adds ids, timestamps and the overall status. The issue-code table in docs/preflight.md is
 * this catalog in prose: keep them together.
 */
export type Severity = "error" | "warning" | "info";

export interface PreflightIssue {
  code: IssueCode;
  severity: Severity;
  message: string;
  /** 1-based page number, for PDFs. */
  page?: number;
  details: Record<string, unknown>;
  fixable: boolean;
  fixType?: FixType;
}

/** Requirements a file is checked against, after defaults are applied. */
export interface Requirements {
  requiredDpi: number;
  requiredColorMode: "rgb" | "cmyk" | "any";
  bleedMm: number;
  /** Canvas (trim) size, when the caller gave one. */
  canvas?: { widthInches: number; heightInches: number };
  productType?: ProductType;
}

/** Measured facts (`file` in the report) and the issues found. */
export interface Analysis<File extends object = Record<string, unknown>> {
  file: File;
  issues: PreflightIssue[];
}

/**
 * Every code a report can carry, with what it means and how to fix it.
 * `defaultSeverity` is what the analyzers use unless a requirement makes it
 * stricter (e.g. a colour-mode mismatch is an error when the profile
 * demands CMYK).
 */
export const ISSUE_CODES = {
  // Any file
  FILE_TYPE_MISMATCH: { defaultSeverity: "error", meaning: "The fileType given does not match the file's bytes.", fix: "Send the file type the file really is, or omit fileType to detect it." },
  LOW_RESOLUTION: { defaultSeverity: "error", meaning: "Effective resolution at the print size is below the required dpi.", fix: "Supply a larger image, print smaller, or run upscale_resolution_2x / _4x (Lanczos; enlarges cleanly, adds no detail)." },
  MISSING_BLEED: { defaultSeverity: "error", meaning: "The artwork does not extend bleedMm beyond the trim on every side.", fix: "Extend the background past the trim, or run add_bleed (raster: mirrored edges; PDF: scaled to the bleed box)." },
  COLOR_MODE_MISMATCH: { defaultSeverity: "warning", meaning: "The file's colour mode differs from requiredColorMode.", fix: "Convert in your design tool; the printer's RIP usually converts RGB to CMYK. Not auto-fixed." },
  NO_ICC_PROFILE: { defaultSeverity: "info", meaning: "No embedded ICC profile; colours will be interpreted with the printer's default.", fix: "Export with an embedded profile (sRGB for RGB, the printer's CMYK profile for CMYK)." },
  ASPECT_RATIO_MISMATCH: { defaultSeverity: "warning", meaning: "The image's aspect ratio differs from the canvas; part of it will be cropped.", fix: "Crop to the canvas ratio yourself to choose what is cut." },
  // Raster
  TRANSPARENCY: { defaultSeverity: "warning", meaning: "The image has pixels that are not fully opaque; printers flatten them unpredictably.", fix: "Flatten onto white, or run remove_transparency." },
  SOFT_IMAGE: { defaultSeverity: "warning", meaning: "The image is soft or blurred (low edge energy).", fix: "Use a sharper original, or run sharpen_edges." },
  HIGH_BIT_DEPTH: { defaultSeverity: "info", meaning: "16 bits per channel; most print workflows reduce to 8.", fix: "Nothing required." },
  INDEXED_COLOR: { defaultSeverity: "info", meaning: "Palette (indexed) colour; gradients may band.", fix: "Export as full-colour RGB." },
  NO_EMBEDDED_RESOLUTION: { defaultSeverity: "info", meaning: "The file states no dpi; print size is taken from the canvas.", fix: "Nothing required when a canvas size is given." },
  RASTER_DAMAGED: { defaultSeverity: "error", meaning: "The image file is broken: cut short, missing its end marker, or its pixels do not decode.", fix: "Export or upload the file again." },
  RASTER_TOO_LARGE: { defaultSeverity: "error", meaning: "The image has more pixels than the service decodes (MAX_SOURCE_PIXELS), so checks that need the pixels (transparency, sharpness) could not run and the file cannot pass; the header checks still ran. A small file declaring a huge size is a decompression bomb.", fix: "Send the file at a size within the limit." },
  PIXEL_CHECKS_SKIPPED: { defaultSeverity: "info", meaning: "The pixels were not decoded, so transparency and sharpness were not checked; the header checks still ran. An info when the file uses something the decoders here do not read (e.g. 12-bit samples, a lossless JPEG, a TIFF compression they lack); an error when a decoder's memory bound was the reason (e.g. an interlaced PNG or a progressive JPEG too large to decode in bands), since the file then cannot pass.", fix: "Nothing required for a feature the decoders lack (export as 8-bit to have the pixels checked); past a bound, export without interlacing, as a baseline JPEG or without tiles." },
  // PDF
  PDF_ENCRYPTED: { defaultSeverity: "error", meaning: "The PDF is encrypted; it cannot be checked or printed without the password.", fix: "Export without a password or restrictions." },
  PDF_DAMAGED: { defaultSeverity: "error", meaning: "The PDF's structure is broken (truncated or corrupt).", fix: "Export the file again." },
  TRIM_SIZE_MISMATCH: { defaultSeverity: "error", meaning: "The page's trim size differs from the canvas size.", fix: "Set the document size to the canvas size." },
  FONT_NOT_EMBEDDED: { defaultSeverity: "error", meaning: "A font is used but not embedded; the printer will substitute it.", fix: "Embed all fonts, or convert text to outlines." },
  IMAGE_LOW_RESOLUTION: { defaultSeverity: "warning", meaning: "A placed image's effective ppi (from its placement) is below the required dpi.", fix: "Place a higher-resolution image or scale it down. Not auto-fixed in PDFs." },
  SPOT_COLOR: { defaultSeverity: "info", meaning: "Separation (spot) colours are used.", fix: "Confirm with the printer that spot colours are wanted; otherwise convert to process." },
  PDF_TRANSPARENCY: { defaultSeverity: "warning", meaning: "Soft masks, constant alpha below 1 or blend modes are used.", fix: "Flatten transparency when exporting (PDF/X-1a)." },
  THIN_LINES: { defaultSeverity: "warning", meaning: "Lines thinner than 0.25 pt may not print.", fix: "Make strokes at least 0.25 pt." },
  MULTIPLE_PAGES: { defaultSeverity: "info", meaning: "The PDF has more than one page.", fix: "Nothing required if every page is meant to print." },
  PDF_CHECK_INCOMPLETE: { defaultSeverity: "warning", meaning: "The PDF is larger or more complex than one check examines (pages, content size, drawing operators or nesting past the bounds); what lies beyond was not checked.", fix: "Split the document or simplify its artwork, then check the parts." },
} as const satisfies Record<string, { defaultSeverity: Severity; meaning: string; fix: string }>;

export type IssueCode = keyof typeof ISSUE_CODES;

/** An issue with the catalog's default severity unless one is given. */
export function issue(
  code: IssueCode,
  message: string,
  details: Record<string, unknown> = {},
  extra: { severity?: Severity; page?: number; fixType?: FixType } = {},
): PreflightIssue {
  return {
    code,
    severity: extra.severity ?? ISSUE_CODES[code].defaultSeverity,
    message,
    ...(extra.page !== undefined ? { page: extra.page } : {}),
    details,
    fixable: extra.fixType !== undefined,
    ...(extra.fixType !== undefined ? { fixType: extra.fixType } : {}),
  };
}

export const MM_PER_INCH = 25.4;
export const PT_PER_INCH = 72;
