import { PDFArray, PDFName, type PDFContext, type PDFDict } from "pdf-lib";
import { DEVICE_GRAY, type ColorSpaceInfo } from "./color-spaces";
import type { PdfImage } from "./facts";
import type { Matrix } from "./matrix";
import { arrayItems, asDict, asName, get, numberAt } from "./objects";

/** What interpreting one page's content found. */
export interface PageFindings {
  images: PdfImage[];
  /** Placements below the required resolution, including those past the listing bound. */
  lowResolutionImages: number;
  colorSpaces: Map<string, ColorSpaceInfo>;
  minLineWidthPt: number | null;
  thinStrokes: number;
  softMaskedImages: number;
  softMaskGStates: number;
  minFillAlpha: number | null;
  minStrokeAlpha: number | null;
  blendModes: Set<string>;
  /** Why some content could not be read (corrupt or unsupported stream data). */
  damage: string[];
}

export function emptyFindings(): PageFindings {
  return {
    images: [],
    lowResolutionImages: 0,
    colorSpaces: new Map(),
    minLineWidthPt: null,
    thinStrokes: 0,
    softMaskedImages: 0,
    softMaskGStates: 0,
    minFillAlpha: null,
    minStrokeAlpha: null,
    blendModes: new Set(),
    damage: [],
  };
}

/** The part of the graphics state (§8.4) the checks depend on. */
export interface GState {
  ctm: Matrix;
  lineWidth: number;
  /** Null after `cs` named a colour space the resources do not have. */
  fillCs: ColorSpaceInfo | null;
  strokeCs: ColorSpaceInfo | null;
  fillPattern: string | null;
  strokePattern: string | null;
  textRender: number;
}

/** Blend modes that composite nothing: they do not make a page transparent (§11.3.5). */
const OPAQUE_BLEND_MODES = new Set(["Normal", "Compatible"]);

export function initialState(ctm: Matrix): GState {
  return { ctm, lineWidth: 1, fillCs: DEVICE_GRAY, strokeCs: DEVICE_GRAY, fillPattern: null, strokePattern: null, textRender: 0 };
}

/** Setting a colour space also resets the colour, so a pattern chosen before no longer applies (§8.6.8). */
export function setFill(gs: GState, cs: ColorSpaceInfo | null): void {
  gs.fillCs = cs;
  gs.fillPattern = null;
}

export function setStroke(gs: GState, cs: ColorSpaceInfo | null): void {
  gs.strokeCs = cs;
  gs.strokePattern = null;
}

/** `gs`: the line width it sets, and the transparency it brings (soft mask, constant alpha, blend mode). */
export function applyExtGState(ctx: PDFContext, name: string | undefined, resources: PDFDict | undefined, gs: GState, f: PageFindings): void {
  if (name === undefined) return;
  const state = asDict(get(ctx, asDict(get(ctx, resources, "ExtGState")), name));
  if (!state) return;
  const lineWidth = numberAt(ctx, state, "LW");
  if (lineWidth !== undefined) gs.lineWidth = Math.abs(lineWidth);
  const softMask = get(ctx, state, "SMask");
  if (softMask !== undefined && !(softMask instanceof PDFName && asName(softMask) === "None")) f.softMaskGStates++;
  const strokeAlpha = numberAt(ctx, state, "CA");
  if (strokeAlpha !== undefined && strokeAlpha < 1) f.minStrokeAlpha = Math.min(f.minStrokeAlpha ?? 1, strokeAlpha);
  const fillAlpha = numberAt(ctx, state, "ca");
  if (fillAlpha !== undefined && fillAlpha < 1) f.minFillAlpha = Math.min(f.minFillAlpha ?? 1, fillAlpha);
  // /BM may be an array of fallbacks; a reader uses the first it knows, which for any reader is the first standard one.
  const blend = get(ctx, state, "BM");
  const mode = blend instanceof PDFArray ? asName(arrayItems(ctx, blend)[0]) : asName(blend);
  if (mode !== undefined && !OPAQUE_BLEND_MODES.has(mode)) f.blendModes.add(mode);
}
