import type { EmbeddedDpi, ColorMode, RasterFormat } from "./header";
import type { IccFacts } from "./icc";

/**
 * `file` of a raster report. Pixel sizes are as stored; every verdict that
 * compares them with a canvas matches long side to long side, so EXIF
 * rotation does not change a verdict.
 */
export interface ReadableRasterFacts {
  readable: true;
  format: RasterFormat;
  byteLength: number;
  widthPx: number;
  heightPx: number;
  megapixels: number;
  bitDepth: number;
  colorMode: ColorMode;
  channels: number;
  /** An alpha channel (or PNG tRNS) exists; `alphaUsed` says whether any pixel is really not opaque. */
  hasAlphaChannel: boolean;
  /** Null when the file has an alpha channel but its pixels were not decoded. */
  alphaUsed: boolean | null;
  iccProfile: IccFacts;
  srgbDeclared: boolean;
  embeddedDpi: EmbeddedDpi | null;
  exifOrientation: number | null;
  compression: string;
  /** Where the image prints: the canvas (turned to the image's orientation), else its own stated dpi. */
  printSizeInches: { width: number; height: number; basis: "canvas" | "embedded_dpi" } | null;
  /** Lower of the two axes' pixels per inch at printSizeInches, rounded down; null when neither canvas nor dpi is known. */
  effectivePpi: number | null;
  requiredDpi: number;
  /** The quick DPI score's stars against the product's minimum, when a productType was given. */
  dpiRating: { stars: number; label: string; minPpi: number } | null;
  /** Share of the image cut away to cover the canvas (canvas only). */
  cropPercent: number | null;
  /** Pixels needed to cover the canvas plus bleedMm on every side at requiredDpi (canvas only). */
  bleed: { bleedMm: number; requiredWidthPx: number; requiredHeightPx: number; covered: boolean } | null;
  /** Crété-Roffet sharpness (1 − blur effect) at most 1024 px on the long side; null when not measured. */
  sharpness: { score: number; threshold: number; sampledWidthPx: number; sampledHeightPx: number } | null;
  /** Whether the pixels were decoded (alphaUsed and sharpness need them). */
  pixelsAnalyzed: boolean;
}

/** `file` when not even the header could be read. */
export interface UnreadableRasterFacts {
  readable: false;
  /** What the bytes are, when they are a JPEG, PNG or TIFF at all. */
  format: RasterFormat | null;
  byteLength: number;
  reason: string;
}

export type RasterFacts = ReadableRasterFacts | UnreadableRasterFacts;
