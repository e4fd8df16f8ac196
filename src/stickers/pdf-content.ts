import type { CutPath, Point, RectMm } from "./cut-path";

/** PDF user space is 1/72 in; the sticker's geometry is in millimetres. */
export const PT_PER_MM = 72 / 25.4;
/** The stroke a RIP shows for the cut line; cutters follow the path, not its width. */
export const CUT_LINE_WIDTH_PT = 0.25;
/** 0.001 pt is 0.35 µm: far below any blade's or printer's resolution, and it keeps the file small. */
const DECIMALS = 3;

/** Names the page's /Resources give the objects its content stream uses. */
export const RESOURCE_NAMES = {
  artwork: "Artwork",
  cutColourSpace: "CutContour",
  cutOverprint: "CutOverprint",
  cutLayer: "CutLayer",
} as const;

/** A PDF box: [left, bottom, right, top] in points. */
export type BoxPt = readonly [left: number, bottom: number, right: number, top: number];

export function pdfPoint(mm: number): number {
  return roundPt(mm * PT_PER_MM);
}

/** Rounded once, where a number is made, so the boxes, the image's matrix and the path agree to the last digit. */
export function roundPt(pt: number): number {
  const rounded = Number(pt.toFixed(DECIMALS));
  return rounded === 0 ? 0 : rounded; // no "-0" in the file
}

/** Plain decimal notation: content streams have no exponents, and String() never gives one in this range. */
function formatNumber(value: number): string {
  return String(roundPt(value));
}

/** The canvas as a PDF box: origin at its bottom-left corner. */
export function canvasBoxPt(canvas: { widthMm: number; heightMm: number }): BoxPt {
  return [0, 0, pdfPoint(canvas.widthMm), pdfPoint(canvas.heightMm)];
}

/** A rectangle in canvas millimetres (top-left origin, y down) as a PDF box (bottom-left origin, y up). */
export function rectBoxPt(rect: RectMm, canvasHeightMm: number): BoxPt {
  return [
    pdfPoint(rect.x),
    pdfPoint(canvasHeightMm - rect.y - rect.height),
    pdfPoint(rect.x + rect.width),
    pdfPoint(canvasHeightMm - rect.y),
  ];
}

/** The one y flip between the cut line's space (y down) and PDF user space (y up). */
function formatPoint([x, y]: Point, canvasHeightMm: number): string {
  return `${formatNumber(x * PT_PER_MM)} ${formatNumber((canvasHeightMm - y) * PT_PER_MM)}`;
}

/** Path construction operators (m, c, h) for closed contours; painting is left to the caller. */
export function writeCutPathOperators(paths: readonly CutPath[], canvasHeightMm: number): string {
  const lines: string[] = [];
  for (const path of paths) {
    lines.push(`${formatPoint(path.start, canvasHeightMm)} m`);
    for (const { c1, c2, to } of path.segments) {
      lines.push(`${formatPoint(c1, canvasHeightMm)} ${formatPoint(c2, canvasHeightMm)} ${formatPoint(to, canvasHeightMm)} c`);
    }
    lines.push("h");
  }
  return lines.join("\n");
}

/**
 * The page's content: the artwork scaled onto the whole canvas (an image
 * XObject fills the unit square), then the cut line, alone inside the
 * CutContour layer's marked content, stroked in the spot colour with
 * overprint so a RIP that prints the layer does not knock the artwork out
 * under it. Each part sits in its own q/Q, and the BDC/EMC pair encloses
 * the whole q/Q, as marked content and graphics state must nest.
 */
export function writePageContent(canvasBox: BoxPt, paths: readonly CutPath[], canvasHeightMm: number): string {
  const [, , widthPt, heightPt] = canvasBox;
  const n = RESOURCE_NAMES;
  return [
    "q",
    `${formatNumber(widthPt)} 0 0 ${formatNumber(heightPt)} 0 0 cm`,
    `/${n.artwork} Do`,
    "Q",
    `/OC /${n.cutLayer} BDC`,
    "q",
    `/${n.cutOverprint} gs`,
    `/${n.cutColourSpace} CS`,
    "1 SCN",
    `${CUT_LINE_WIDTH_PT} w`,
    // Round joins: a sharp turn's mitre would draw a spike past the cut.
    "1 j",
    writeCutPathOperators(paths, canvasHeightMm),
    "S",
    "Q",
    "EMC",
    "",
  ].join("\n");
}
