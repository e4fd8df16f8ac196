import { EncryptedPDFError, PDFArray, PDFDict, PDFDocument, PDFName, PDFNumber, PDFRef, type PDFContext, type PDFObject, type PDFPage } from "pdf-lib";
import { MM_PER_INCH } from "../preflight/issues";
import { clipBox, readBox } from "../preflight/pdf/boxes";
import { FixNotApplicableError } from "./errors";

/**
 * `add_bleed` for PDFs, "scale-to-bleed": the trim stays where it is, every
 * page grows by the bleed on each side (MediaBox = CropBox = BleedBox =
 * trim + bleed, TrimBox = the original trim) and the page content is
 * scaled uniformly about the trim's centre until what was printed before
 * (the old BleedBox, by default the CropBox) covers the new bleed area.
 * The price: the content near the trim moves outwards by about the bleed,
 * so a sliver of it (≤ the bleed, on the tighter axis) ends up beyond the
 * trim. A page whose existing bleed is already wide enough is not scaled.
 *
 * Everything happens in default user space, where the boxes live, so a
 * /Rotate page needs nothing special: the page grows equally on every side
 * whichever way a viewer turns it. Annotations (links, widgets, markup)
 * are scaled with the content, so they stay on what they annotate; their
 * appearance streams follow their Rect. Not adjusted: explicit
 * destinations (/XYZ left top) pointing into a page, and structure or
 * optional-content data, which carry no page coordinates that print.
 */

export type Box = readonly [left: number, bottom: number, right: number, top: number];

export interface PdfPageBleed {
  /** 1-based. */
  readonly page: number;
  readonly rotate: number;
  readonly userUnit: number;
  /** Factor applied to the content about the trim's centre; 1 when the old bleed already covered. */
  readonly scale: number;
  /** In the page's user space units (points unless UserUnit ≠ 1). */
  readonly mediaBox: Box;
  readonly bleedBox: Box;
  readonly trimBox: Box;
}

export interface PdfBleedResult {
  readonly bytes: Uint8Array;
  readonly pages: readonly PdfPageBleed[];
}

const PT_PER_INCH = 72;
/** What viewers assume for a page without a usable MediaBox (US Letter). */
const DEFAULT_MEDIA_BOX: Box = [0, 0, 612, 792];
/** PDF 32000-1 §14.11.2 caps UserUnit at what implementations accept; beyond it the entry is ignored. */
const MAX_USER_UNIT = 75_000;

export async function addPdfBleed(pdf: Uint8Array, bleedMm: number): Promise<PdfBleedResult> {
  if (!(bleedMm > 0 && Number.isFinite(bleedMm))) throw new RangeError(`bleedMm must be a positive number, not ${bleedMm}`);
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(pdf, { updateMetadata: false });
  } catch (error) {
    if (error instanceof EncryptedPDFError) throw new FixNotApplicableError("The PDF is encrypted; bleed cannot be added without its password.", { cause: error });
    throw new FixNotApplicableError("The PDF could not be read.", { cause: error });
  }
  const bleedPt = (bleedMm / MM_PER_INCH) * PT_PER_INCH;
  const seenAnnotations = new Set<PDFObject>();
  const pages = doc.getPages().map((page, index) => bleedPage(doc.context, page, index + 1, bleedPt, seenAnnotations));
  const bytes = await doc.save();
  return { bytes, pages };
}

function bleedPage(ctx: PDFContext, page: PDFPage, number: number, bleedPt: number, seenAnnotations: Set<PDFObject>): PdfPageBleed {
  const node = page.node;
  const userUnitValue = numberOf(ctx, node.get(PDFName.of("UserUnit")));
  const userUnit = userUnitValue !== undefined && userUnitValue > 0 && userUnitValue <= MAX_USER_UNIT ? userUnitValue : 1;
  const b = bleedPt / userUnit;

  const media = readBox(ctx, node.getInheritableAttribute(PDFName.MediaBox)) ?? DEFAULT_MEDIA_BOX;
  const crop = clipBox(readBox(ctx, node.getInheritableAttribute(PDFName.of("CropBox"))) ?? media, media);
  const trim = clipBox(readBox(ctx, node.get(PDFName.of("TrimBox"))) ?? crop, media);
  // What prints today: the BleedBox if the file has one (§14.11.2: it defaults to the CropBox).
  const printed = clipBox(readBox(ctx, node.get(PDFName.of("BleedBox"))) ?? crop, media);
  const grown: Box = [trim[0] - b, trim[1] - b, trim[2] + b, trim[3] + b];

  const cx = (trim[0] + trim[2]) / 2;
  const cy = (trim[1] + trim[3]) / 2;
  const reach = (target: number, current: number, centre: number) => (current === centre ? Infinity : (target - centre) / (current - centre));
  const needed = Math.max(
    reach(grown[0], printed[0], cx),
    reach(grown[2], printed[2], cx),
    reach(grown[1], printed[1], cy),
    reach(grown[3], printed[3], cy),
  );
  // A printed area that does not surround the trim's centre is broken; scale the trim's own content then.
  const fallback = Math.max((trim[2] - trim[0] + 2 * b) / (trim[2] - trim[0]), (trim[3] - trim[1] + 2 * b) / (trim[3] - trim[1]));
  // Rounded up, so the written factor still covers the bleed.
  const scale = Math.ceil(Math.max(1, Number.isFinite(needed) ? needed : fallback) * 1e6) / 1e6;

  if (scale !== 1) {
    const tx = cx * (1 - scale);
    const ty = cy * (1 - scale);
    wrapContent(ctx, page, `q ${fmt(scale)} 0 0 ${fmt(scale)} ${fmt(tx)} ${fmt(ty)} cm\n`, "\nQ\n");
    const map = (x: number, y: number): [number, number] => [cx + scale * (x - cx), cy + scale * (y - cy)];
    scaleAnnotations(ctx, node.Annots(), map, seenAnnotations);
    const art = readBox(ctx, node.get(PDFName.of("ArtBox")));
    if (art) {
      const [x0, y0] = map(art[0], art[1]);
      const [x1, y1] = map(art[2], art[3]);
      node.set(PDFName.of("ArtBox"), boxArray(ctx, clipBox([x0, y0, x1, y1], trim)));
    }
  }
  for (const name of ["MediaBox", "CropBox", "BleedBox"]) node.set(PDFName.of(name), boxArray(ctx, grown));
  // The trim is written back exactly as read: it is the one box a printer cuts to.
  node.set(PDFName.of("TrimBox"), ctx.obj([...trim]));

  const rotate = numberOf(ctx, node.getInheritableAttribute(PDFName.of("Rotate"))) ?? 0;
  return { page: number, rotate: (((Math.round(rotate / 90) * 90) % 360) + 360) % 360, userUnit, scale, mediaBox: rounded(grown), bleedBox: rounded(grown), trimBox: trim };
}

/**
 * `q <cm>` before and `Q` after the page's content streams, as extra
 * streams: a content stream shared with other pages stays untouched.
 */
function wrapContent(ctx: PDFContext, page: PDFPage, before: string, after: string): void {
  const node = page.node;
  const contents = node.get(PDFName.of("Contents"));
  if (contents === undefined) return;
  const resolved = ctx.lookup(contents);
  const streams: PDFObject[] = resolved instanceof PDFArray ? resolved.asArray() : [contents];
  const open = ctx.register(ctx.stream(before));
  const close = ctx.register(ctx.stream(after));
  node.set(PDFName.of("Contents"), ctx.obj([open, ...streams, close]));
}

/** The geometry keys of annotation types that carry page coordinates besides Rect. */
const POINT_LIST_KEYS = ["QuadPoints", "L", "Vertices", "CL"] as const;

function scaleAnnotations(ctx: PDFContext, annots: PDFArray | undefined, map: (x: number, y: number) => [number, number], seen: Set<PDFObject>): void {
  if (!annots) return;
  for (const entry of annots.asArray()) {
    // The same annotation on two pages is malformed but exists; scale it once.
    if (seen.has(entry)) continue;
    seen.add(entry);
    const annot = ctx.lookup(entry);
    if (!(annot instanceof PDFDict)) continue;
    const rect = readBox(ctx, annot.get(PDFName.of("Rect")));
    if (rect) {
      const [x0, y0] = map(rect[0], rect[1]);
      const [x1, y1] = map(rect[2], rect[3]);
      annot.set(PDFName.of("Rect"), boxArray(ctx, [x0, y0, x1, y1]));
    }
    for (const key of POINT_LIST_KEYS) mapPointList(ctx, annot, key, map);
    const ink = ctx.lookup(annot.get(PDFName.of("InkList")));
    if (ink instanceof PDFArray) {
      annot.set(PDFName.of("InkList"), ctx.obj(ink.asArray().map((path) => mapPoints(ctx, ctx.lookup(path), map) ?? path)));
    }
  }
}

function mapPointList(ctx: PDFContext, dict: PDFDict, key: string, map: (x: number, y: number) => [number, number]): void {
  const mapped = mapPoints(ctx, ctx.lookup(dict.get(PDFName.of(key))), map);
  if (mapped) dict.set(PDFName.of(key), mapped);
}

function mapPoints(ctx: PDFContext, value: PDFObject | undefined, map: (x: number, y: number) => [number, number]): PDFArray | undefined {
  if (!(value instanceof PDFArray)) return undefined;
  const numbers = value.asArray().map((item) => numberOf(ctx, item));
  if (numbers.length % 2 !== 0 || numbers.some((n) => n === undefined)) return undefined;
  const out: number[] = [];
  for (let i = 0; i < numbers.length; i += 2) out.push(...map(numbers[i]!, numbers[i + 1]!));
  return ctx.obj(out.map(round4));
}

function numberOf(ctx: PDFContext, value: PDFObject | undefined): number | undefined {
  const resolved = value instanceof PDFRef ? ctx.lookup(value) : value;
  return resolved instanceof PDFNumber ? resolved.asNumber() : undefined;
}

function boxArray(ctx: PDFContext, box: Box): PDFArray {
  return ctx.obj([...rounded(box)]);
}

function rounded(box: Box): Box {
  return [round4(box[0]), round4(box[1]), round4(box[2]), round4(box[3])];
}

function round4(v: number): number {
  return Math.round(v * 1e4) / 1e4;
}

function fmt(v: number): string {
  return String(Math.round(v * 1e6) / 1e6);
}
