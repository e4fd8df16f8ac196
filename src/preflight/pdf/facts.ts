/**
 * What the PDF analyzer measures: the `file` of a PDF report, returned by
 * the report endpoint as-is, so everything is plain JSON. Lengths carry
 * their unit in the name; "pt" is 1/72 in (a page's /UserUnit is already
 * applied), boxes are [left, bottom, right, top] in the page's unrotated
 * coordinates.
 */
export type Box = [number, number, number, number];

export type BoxName = "MediaBox" | "CropBox" | "BleedBox" | "TrimBox" | "ArtBox";

export interface PdfPageBoxes {
  page: number;
  /** /Rotate, normalised to 0, 90, 180 or 270; sizes below are unrotated. */
  rotate: number;
  userUnit: number;
  /** Boxes the file states (MediaBox and CropBox may be inherited); the others are the spec's defaults. */
  boxesInFile: BoxName[];
  mediaBoxPt: Box;
  cropBoxPt: Box;
  /** Effective per the spec: BleedBox, else CropBox, else MediaBox (clipped to the MediaBox). */
  bleedBoxPt: Box;
  /** Effective per the spec: TrimBox, else CropBox, else MediaBox (clipped to the MediaBox). */
  trimBoxPt: Box;
  mediaBoxMm: Box;
  cropBoxMm: Box;
  bleedBoxMm: Box;
  trimBoxMm: Box;
  trimSizeInches: { width: number; height: number };
  trimSizeMm: { width: number; height: number };
  /**
   * How far printable area reaches beyond the trim on each side: measured to
   * the BleedBox when the page has one, else to the MediaBox (a CropBox only
   * limits what viewers show; the art beyond it is still in the file).
   */
  bleedMm: { left: number; right: number; top: number; bottom: number };
}

export interface PdfFont {
  /** /BaseFont, with its subset tag (`ABCDEF+`) when there is one. */
  name: string;
  /** /Subtype; Type0 fonts as `Type0/CIDFontType2` (their descendant's subtype). */
  type: string;
  embedded: boolean;
  subset: boolean;
  /** One of the 14 fonts every viewer has; still not embedded, so a printer substitutes it. */
  standard14: boolean;
  fontFile: "FontFile" | "FontFile2" | "FontFile3" | null;
  encoding: string | null;
  /** First page whose resources use the font, and every such page (up to the analysed pages). */
  page: number;
  pages: number[];
}

export interface PdfImage {
  page: number;
  /** XObject resource name; null for inline images. */
  name: string | null;
  inline: boolean;
  widthPx: number;
  heightPx: number;
  placedWidthIn: number;
  placedHeightIn: number;
  xPpi: number;
  yPpi: number;
  /** The lower of xPpi and yPpi. */
  effectivePpi: number;
  /** Colour space label; null for stencil masks (they paint the fill colour) and JPX images that carry their own. */
  colorSpace: string | null;
  bitsPerComponent: number | null;
  imageMask: boolean;
  softMask: boolean;
  filters: string[];
}

export type ProcessModel = "rgb" | "cmyk" | "gray" | "lab" | "spot" | "pattern" | "unknown";

export interface PdfColorSpace {
  name: string;
  family: string;
  components: number | null;
  process: ProcessModel;
  colorants?: string[];
  /** Pages that paint with it (from colour operators, images and shadings). */
  pages: number[];
}

export interface PdfTransparency {
  used: boolean;
  /** Placements of images with an /SMask (or JPX /SMaskInData). */
  softMaskedImages: number;
  /** `gs` uses of graphics states with a soft mask other than /None. */
  softMaskGStates: number;
  /** Lowest constant alpha below 1 applied by `gs`; null when none. */
  minFillAlpha: number | null;
  minStrokeAlpha: number | null;
  /** Blend modes other than Normal / Compatible. */
  blendModes: string[];
  pages: number[];
}

export interface PdfLimitNote {
  /** Which bound stopped the analysis: the rest of the file was not examined for it. */
  limit: "pages" | "contentBytes" | "operators" | "formDepth" | "images";
  message: string;
}

export interface PdfFacts {
  /** From the header, or the catalog's /Version when that is later. */
  pdfVersion: string | null;
  encrypted: boolean;
  /** The file could not be parsed, has no pages, or some content could not be decoded. */
  damaged: boolean;
  pages: number;
  pagesAnalyzed: number;
  /** False when page content was not interpreted (encrypted or unparseable file). */
  contentAnalyzed: boolean;
  pageBoxes: PdfPageBoxes[];
  fonts: PdfFont[];
  images: PdfImage[];
  colorSpaces: PdfColorSpace[];
  /**
   * The process colour painted with: both RGB and CMYK is `mixed`; spot inks
   * do not change it (`spot` only when nothing else paints); Lab is not counted.
   */
  colorMode: "rgb" | "cmyk" | "gray" | "mixed" | "spot" | "none";
  spotColors: string[];
  transparency: PdfTransparency;
  /** Thinnest stroke, in pt on the page (width × the CTM's smaller scale); 0 is a device hairline. */
  minLineWidthPt: number | null;
  /** Strokes thinner than THIN_LINE_PT. */
  thinLineStrokes: number;
  limits: PdfLimitNote[];
}
