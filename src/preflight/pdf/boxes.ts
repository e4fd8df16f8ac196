import { PDFArray, type PDFContext, type PDFDict, type PDFObject } from "pdf-lib";
import { MM_PER_INCH, PT_PER_INCH } from "../issues";
import { arrayAt, numberAt, numbersOf } from "./objects";
import type { Box, BoxName, PdfPageBoxes } from "./facts";

/** US Letter: what viewers assume when a page has no usable MediaBox. */
const DEFAULT_MEDIA_BOX: Box = [0, 0, 612, 792];
/** PDF 32000-1 §14.11.2 limits UserUnit to what implementations accept; anything outside is ignored. */
const MAX_USER_UNIT = 75_000;

/** Page attributes a page inherits from its ancestors in the page tree (§7.7.3.4). */
export interface Inherited {
  mediaBox?: PDFArray;
  cropBox?: PDFArray;
  resources?: PDFDict;
  rotate?: number;
}

export function measureBoxes(ctx: PDFContext, page: number, dict: PDFDict, inherited: Inherited): PdfPageBoxes {
  const userUnitValue = numberAt(ctx, dict, "UserUnit");
  const userUnit = userUnitValue !== undefined && userUnitValue > 0 && userUnitValue <= MAX_USER_UNIT ? userUnitValue : 1;
  const stated = {
    MediaBox: readBox(ctx, arrayAt(ctx, dict, "MediaBox") ?? inherited.mediaBox),
    CropBox: readBox(ctx, arrayAt(ctx, dict, "CropBox") ?? inherited.cropBox),
    BleedBox: readBox(ctx, arrayAt(ctx, dict, "BleedBox")),
    TrimBox: readBox(ctx, arrayAt(ctx, dict, "TrimBox")),
    ArtBox: readBox(ctx, arrayAt(ctx, dict, "ArtBox")),
  };
  const media = stated.MediaBox ?? DEFAULT_MEDIA_BOX;
  // Boxes reaching past the MediaBox are reduced to their intersection with it (§14.11.2).
  const crop = clipBox(stated.CropBox ?? media, media);
  const bleed = clipBox(stated.BleedBox ?? crop, media);
  const trim = clipBox(stated.TrimBox ?? crop, media);
  const bleedExtent = stated.BleedBox ? bleed : media;

  const pt = (box: Box): Box => box.map((v) => round(v * userUnit, 4)) as Box;
  const mm = (box: Box): Box => box.map((v) => round(toMm(v * userUnit), 3)) as Box;
  const trimWidthPt = (trim[2] - trim[0]) * userUnit;
  const trimHeightPt = (trim[3] - trim[1]) * userUnit;
  const rotate = (((Math.round((numberAt(ctx, dict, "Rotate") ?? inherited.rotate ?? 0) / 90) * 90) % 360) + 360) % 360;

  return {
    page,
    rotate,
    userUnit,
    boxesInFile: (Object.keys(stated) as BoxName[]).filter((name) => stated[name] !== undefined),
    mediaBoxPt: pt(media),
    cropBoxPt: pt(crop),
    bleedBoxPt: pt(bleed),
    trimBoxPt: pt(trim),
    mediaBoxMm: mm(media),
    cropBoxMm: mm(crop),
    bleedBoxMm: mm(bleed),
    trimBoxMm: mm(trim),
    trimSizeInches: { width: round(trimWidthPt / PT_PER_INCH, 4), height: round(trimHeightPt / PT_PER_INCH, 4) },
    trimSizeMm: { width: round(toMm(trimWidthPt), 3), height: round(toMm(trimHeightPt), 3) },
    bleedMm: {
      left: round(toMm((trim[0] - bleedExtent[0]) * userUnit), 3),
      right: round(toMm((bleedExtent[2] - trim[2]) * userUnit), 3),
      top: round(toMm((bleedExtent[3] - trim[3]) * userUnit), 3),
      bottom: round(toMm((trim[1] - bleedExtent[1]) * userUnit), 3),
    },
  };
}

/** Any two opposite corners are allowed (§7.9.5); normalised to [left, bottom, right, top]. */
export function readBox(ctx: PDFContext, value: PDFObject | undefined): Box | undefined {
  const array = value === undefined ? undefined : ctx.lookup(value);
  const values = numbersOf(ctx, array instanceof PDFArray ? array : undefined);
  if (!values || values.length !== 4) return undefined;
  const [x0, y0, x1, y1] = values as [number, number, number, number];
  if (x0 === x1 || y0 === y1) return undefined;
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}

export function clipBox(box: Readonly<Box>, within: Readonly<Box>): Box {
  const clipped: Box = [Math.max(box[0], within[0]), Math.max(box[1], within[1]), Math.min(box[2], within[2]), Math.min(box[3], within[3])];
  // A box wholly outside the MediaBox is meaningless; fall back to the MediaBox.
  return clipped[0] < clipped[2] && clipped[1] < clipped[3] ? clipped : [...within];
}

export function toMm(pt: number): number {
  return (pt / PT_PER_INCH) * MM_PER_INCH;
}

export function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
