import { PDFArray, PDFName, PDFStream, type PDFContext, type PDFDict } from "pdf-lib";
import { PT_PER_INCH } from "../issues";
import { round } from "./boxes";
import type { ColorSpaceInfo, ColorSpaces } from "./color-spaces";
import { PdfName, type Operand } from "./content-stream";
import type { PdfImage } from "./facts";
import { unitSquareSides, type Matrix } from "./matrix";
import { arrayItems, asName, boolAt, get, numberAt } from "./objects";

/** An image's own properties, from an XObject dictionary or an inline image. */
export interface ImageDescription {
  name: string | null;
  inline: boolean;
  widthPx: number;
  heightPx: number;
  /** Undefined for stencil masks, which paint the current fill colour, and for JPX without /ColorSpace. */
  colorSpace: ColorSpaceInfo | undefined;
  bitsPerComponent: number | null;
  imageMask: boolean;
  softMask: boolean;
  filters: string[];
}

export function describeImageXObject(ctx: PDFContext, name: string, dict: PDFDict, colorSpaces: ColorSpaces): ImageDescription | undefined {
  const widthPx = numberAt(ctx, dict, "Width");
  const heightPx = numberAt(ctx, dict, "Height");
  if (!widthPx || !heightPx || widthPx <= 0 || heightPx <= 0) return undefined;
  const imageMask = boolAt(ctx, dict, "ImageMask") === true;
  const csObject = get(ctx, dict, "ColorSpace");
  const filter = get(ctx, dict, "Filter");
  const filters = filter instanceof PDFArray ? arrayItems(ctx, filter).map((f) => asName(f) ?? "?") : filter instanceof PDFName ? [asName(filter) ?? "?"] : [];
  // A JPX image may carry its alpha in the codestream instead of an /SMask (§8.9.5.1 /SMaskInData).
  const softMask = get(ctx, dict, "SMask") instanceof PDFStream || (numberAt(ctx, dict, "SMaskInData") ?? 0) > 0;
  return {
    name,
    inline: false,
    widthPx,
    heightPx,
    colorSpace: imageMask || csObject === undefined ? undefined : colorSpaces.describe(csObject),
    bitsPerComponent: numberAt(ctx, dict, "BitsPerComponent") ?? (imageMask ? 1 : null),
    imageMask,
    softMask,
    filters,
  };
}

/** Inline image filters may use the abbreviations of §8.9.7 Table 94. */
const FILTER_ABBREVIATIONS: Record<string, string> = {
  AHx: "ASCIIHexDecode",
  A85: "ASCII85Decode",
  LZW: "LZWDecode",
  Fl: "FlateDecode",
  RL: "RunLengthDecode",
  CCF: "CCITTFaxDecode",
  DCT: "DCTDecode",
};

export function describeInlineImage(dict: Map<string, Operand>, resources: PDFDict | undefined, colorSpaces: ColorSpaces): ImageDescription | undefined {
  const value = (short: string, long: string) => dict.get(short) ?? dict.get(long);
  const widthPx = value("W", "Width");
  const heightPx = value("H", "Height");
  if (typeof widthPx !== "number" || typeof heightPx !== "number" || widthPx <= 0 || heightPx <= 0) return undefined;
  const imageMask = value("IM", "ImageMask") === true;
  const bpc = value("BPC", "BitsPerComponent");
  const filter = value("F", "Filter");
  const filterNames = (Array.isArray(filter) ? filter : [filter]).filter((f): f is PdfName => f instanceof PdfName);
  return {
    name: null,
    inline: true,
    widthPx,
    heightPx,
    colorSpace: imageMask ? undefined : colorSpaces.fromOperand(value("CS", "ColorSpace"), resources),
    bitsPerComponent: typeof bpc === "number" ? bpc : imageMask ? 1 : null,
    imageMask,
    // Inline images cannot have soft masks (§8.9.7).
    softMask: false,
    filters: filterNames.map((f) => FILTER_ABBREVIATIONS[f.value] ?? f.value),
  };
}

/** Smaller than this (in pt) an image is a degenerate placement that paints nothing visible. */
const MIN_PLACED_PT = 1e-3;

/**
 * Where the image lands: it is painted into the unit square of the CTM, so
 * its placed size is the length of the transformed unit vectors, and the
 * effective resolution is pixels per placed inch on each axis.
 */
export function placeImage(image: ImageDescription, ctm: Matrix, page: number): PdfImage | undefined {
  const { width, height } = unitSquareSides(ctm);
  if (width < MIN_PLACED_PT || height < MIN_PLACED_PT) return undefined;
  const xPpi = image.widthPx / (width / PT_PER_INCH);
  const yPpi = image.heightPx / (height / PT_PER_INCH);
  return {
    page,
    name: image.name,
    inline: image.inline,
    widthPx: image.widthPx,
    heightPx: image.heightPx,
    placedWidthIn: round(width / PT_PER_INCH, 4),
    placedHeightIn: round(height / PT_PER_INCH, 4),
    xPpi: round(xPpi, 2),
    yPpi: round(yPpi, 2),
    effectivePpi: round(Math.min(xPpi, yPpi), 2),
    colorSpace: image.colorSpace?.name ?? null,
    bitsPerComponent: image.bitsPerComponent,
    imageMask: image.imageMask,
    softMask: image.softMask,
    filters: image.filters,
  };
}
