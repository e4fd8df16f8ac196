import { PDFRawStream, type PDFContext, type PDFDict } from "pdf-lib";
import { IDENTITY, multiply, toMatrix, transformBox, type Matrix } from "./matrix";
import { arrayAt, arrayItems, asDict, dictAt, get, nameAt, numberAt, numbersOf } from "./objects";

/** Annotation flags (§12.5.3): only annotations marked Print and not Hidden reach paper. */
const FLAG_HIDDEN = 2;
const FLAG_PRINT = 4;
/** Pages with more annotations than this are unusual; the rest are not examined. */
const MAX_ANNOTATIONS_PER_PAGE = 1_000;

export interface PrintedAppearance {
  form: PDFRawStream;
  resources: PDFDict | undefined;
  /** The CTM to draw the form with (its own /Matrix is applied on top, as for `Do`). */
  ctm: Matrix;
}

/**
 * The normal appearances of a page's printable annotations (form fields,
 * stamps), placed on the page as §12.5.5 describes: the appearance's BBox,
 * transformed by its Matrix, is fitted to the annotation's Rect.
 */
export function printedAppearances(ctx: PDFContext, page: PDFDict, pageCtm: Matrix): PrintedAppearance[] {
  const out: PrintedAppearance[] = [];
  for (const item of arrayItems(ctx, arrayAt(ctx, page, "Annots")).slice(0, MAX_ANNOTATIONS_PER_PAGE)) {
    const annot = asDict(item);
    const flags = numberAt(ctx, annot, "F") ?? 0;
    if (!annot || (flags & FLAG_PRINT) === 0 || (flags & FLAG_HIDDEN) !== 0) continue;
    let normal = get(ctx, dictAt(ctx, annot, "AP"), "N");
    // A dictionary of appearance states (checkbox on/off): /AS picks the one shown.
    if (!(normal instanceof PDFRawStream)) {
      const state = nameAt(ctx, annot, "AS");
      normal = state === undefined ? undefined : get(ctx, asDict(normal), state);
    }
    if (!(normal instanceof PDFRawStream)) continue;
    const ctm = fitToRect(ctx, annot, normal);
    if (ctm) out.push({ form: normal, resources: dictAt(ctx, normal.dict, "Resources"), ctm: multiply(ctm, pageCtm) });
  }
  return out;
}

function fitToRect(ctx: PDFContext, annot: PDFDict, form: PDFRawStream): Matrix | undefined {
  const rect = normalized(numbersOf(ctx, arrayAt(ctx, annot, "Rect")));
  const bbox = normalized(numbersOf(ctx, arrayAt(ctx, form.dict, "BBox")));
  if (!rect || !bbox) return undefined;
  const matrix = toMatrix(numbersOf(ctx, arrayAt(ctx, form.dict, "Matrix"))) ?? IDENTITY;
  const box = transformBox(matrix, bbox);
  const width = box[2] - box[0];
  const height = box[3] - box[1];
  if (width <= 0 || height <= 0) return undefined;
  const sx = (rect[2] - rect[0]) / width;
  const sy = (rect[3] - rect[1]) / height;
  return [sx, 0, 0, sy, rect[0] - box[0] * sx, rect[1] - box[1] * sy];
}

function normalized(values: number[] | undefined): [number, number, number, number] | undefined {
  if (!values || values.length !== 4) return undefined;
  const [x0, y0, x1, y1] = values as [number, number, number, number];
  return [Math.min(x0, x1), Math.min(y0, y1), Math.max(x0, x1), Math.max(y0, y1)];
}
