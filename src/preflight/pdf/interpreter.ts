import { PDFArray, PDFRawStream, type PDFContext, type PDFDict, type PDFObject } from "pdf-lib";
import { concatBytes } from "../../platform/encoding";
import { type Budget, MAX_CACHED_FORM_BYTES, MAX_FORM_CACHE_BYTES, MAX_FORM_DEPTH, MAX_GSTATE_DEPTH, MAX_IMAGES_LISTED, MAX_STREAM_BYTES } from "./budget";
import { type ColorSpaces, DEVICE_CMYK, DEVICE_GRAY, DEVICE_RGB, type ColorSpaceInfo } from "./color-spaces";
import { ContentLexer, PdfName, type Operand } from "./content-stream";
import { applyExtGState, emptyFindings, initialState, setFill, setStroke, type GState } from "./graphics-state";
import { describeImageXObject, describeInlineImage, placeImage, type ImageDescription } from "./images";
import { IDENTITY, minScale, multiply, toMatrix, type Matrix } from "./matrix";
import { arrayAt, arrayItems, asDict, decodeStream, dictAt, get, nameAt, numberAt, numbersOf } from "./objects";

/** Strokes thinner than this on the page may not print (the catalog's THIN_LINES threshold). */
export const THIN_LINE_PT = 0.25;

/** Text rendering modes (Tr) that fill and that stroke glyphs (§9.3.6). */
const TEXT_FILLS = new Set([0, 2, 4, 6]);
const TEXT_STROKES = new Set([1, 2, 5, 6]);

/** Per-document state the page interpreters share. */
export interface InterpreterEnv {
  ctx: PDFContext;
  colorSpaces: ColorSpaces;
  budget: Budget;
  requiredDpi: number;
  /** Decoded Form XObjects and tiling patterns of this document, by stream. */
  decodedForms: Map<PDFObject, Uint8Array>;
}

/**
 * Runs a page's content streams (and the forms, tiling patterns and
 * annotation appearances they draw) far enough to know, at each painting
 * operator, the CTM, line width, colour spaces and transparency in effect.
 * Paths, text positioning and clipping are not tracked: no check needs them.
 */
export class PageInterpreter {
  readonly findings = emptyFindings();
  private readonly activeForms = new Set<PDFObject>();
  private readonly patternsRun = new Set<PDFObject>();

  constructor(
    private readonly env: InterpreterEnv,
    private readonly page: number,
  ) {}

  runPage(contents: PDFObject | undefined, resources: PDFDict | undefined, ctm: Matrix): void {
    const streams = contents instanceof PDFArray ? arrayItems(this.env.ctx, contents) : [contents];
    const parts: Uint8Array[] = [];
    for (const stream of streams) {
      if (stream === undefined) continue;
      const bytes = this.decode(stream);
      // Streams of one page are one content stream split at token boundaries (§7.8.2).
      if (bytes) parts.push(bytes, NEWLINE);
    }
    const joined = parts.length === 2 ? parts[0]! : concatBytes(parts);
    this.execute(joined, resources, initialState(ctm), 0);
  }

  /** Draws a Form XObject as `Do` would with `ctm` in effect (also how annotation appearances are placed). */
  runForm(form: PDFRawStream, resources: PDFDict | undefined, state: Pick<GState, "ctm"> & Partial<GState>, depth: number): void {
    if (depth >= MAX_FORM_DEPTH) {
      this.env.budget.reached("formDepth");
      return;
    }
    // A form that draws itself (directly or through others) would recurse forever.
    if (this.activeForms.has(form)) return;
    const bytes = this.env.decodedForms.get(form) ?? this.decode(form, true);
    if (!bytes) return;
    const matrix = toMatrix(numbersOf(this.env.ctx, arrayAt(this.env.ctx, form.dict, "Matrix"))) ?? IDENTITY;
    const start = { ...initialState(state.ctm), ...state, ctm: multiply(matrix, state.ctm) };
    // Old files rely on a form without /Resources using its parent's (§7.8.3).
    const formResources = dictAt(this.env.ctx, form.dict, "Resources") ?? resources;
    this.activeForms.add(form);
    this.execute(bytes, formResources, start, depth + 1);
    this.activeForms.delete(form);
  }

  /**
   * Decodes within the content budget. Small forms are kept decoded: a logo
   * placed 10,000 times would otherwise be inflated (and charged) each time.
   */
  private decode(stream: PDFObject, cacheable = false): Uint8Array | undefined {
    const { budget, decodedForms } = this.env;
    if (budget.contentBytes <= 0) {
      budget.reached("contentBytes");
      return undefined;
    }
    try {
      const { bytes, truncated } = decodeStream(stream, Math.min(MAX_STREAM_BYTES, budget.contentBytes));
      budget.contentBytes -= bytes.length;
      if (truncated) budget.reached("contentBytes");
      if (cacheable && bytes.length <= MAX_CACHED_FORM_BYTES && budget.cachedBytes + bytes.length <= MAX_FORM_CACHE_BYTES) {
        decodedForms.set(stream, bytes);
        budget.cachedBytes += bytes.length;
      }
      return bytes;
    } catch (err) {
      this.findings.damage.push(err instanceof Error ? err.message : String(err));
      return undefined;
    }
  }

  private execute(bytes: Uint8Array, resources: PDFDict | undefined, start: GState, depth: number): void {
    const lexer = new ContentLexer(bytes);
    const baseCtm = start.ctm;
    const stack: GState[] = [];
    let overflow = 0;
    let gs: GState = { ...start };
    const budget = this.env.budget;
    for (let op = lexer.nextOperator(); op !== null; op = lexer.nextOperator()) {
      if (--budget.operators < 0) {
        budget.reached("operators");
        return;
      }
      const args = lexer.operands;
      switch (op) {
        case "q":
          if (stack.length < MAX_GSTATE_DEPTH) stack.push({ ...gs });
          else overflow++;
          break;
        case "Q":
          if (overflow > 0) overflow--;
          else gs = stack.pop() ?? gs;
          break;
        case "cm": {
          const m = toMatrix(args);
          if (m) gs.ctm = multiply(m, gs.ctm);
          break;
        }
        case "w":
          if (typeof args[0] === "number") gs.lineWidth = Math.abs(args[0]);
          break;
        case "gs":
          applyExtGState(this.env.ctx, nameOf(args[0]), resources, gs, this.findings);
          break;
        case "g":
          setFill(gs, DEVICE_GRAY);
          break;
        case "rg":
          setFill(gs, DEVICE_RGB);
          break;
        case "k":
          setFill(gs, DEVICE_CMYK);
          break;
        case "G":
          setStroke(gs, DEVICE_GRAY);
          break;
        case "RG":
          setStroke(gs, DEVICE_RGB);
          break;
        case "K":
          setStroke(gs, DEVICE_CMYK);
          break;
        case "cs":
          setFill(gs, this.env.colorSpaces.fromOperand(args[0], resources) ?? null);
          break;
        case "CS":
          setStroke(gs, this.env.colorSpaces.fromOperand(args[0], resources) ?? null);
          break;
        case "sc":
        case "scn":
          if (gs.fillCs?.family === "Pattern") gs.fillPattern = nameOf(args[args.length - 1]) ?? null;
          break;
        case "SC":
        case "SCN":
          if (gs.strokeCs?.family === "Pattern") gs.strokePattern = nameOf(args[args.length - 1]) ?? null;
          break;
        case "f":
        case "F":
        case "f*":
          this.paintFill(gs, resources, baseCtm, depth);
          break;
        case "S":
        case "s":
          this.paintStroke(gs, resources, baseCtm, depth);
          break;
        case "B":
        case "B*":
        case "b":
        case "b*":
          this.paintFill(gs, resources, baseCtm, depth);
          this.paintStroke(gs, resources, baseCtm, depth);
          break;
        case "Tr":
          if (typeof args[0] === "number") gs.textRender = args[0];
          break;
        case "Tj":
        case "TJ":
        case "'":
        case '"':
          // Glyph outlines are not stroke paths: text is not part of the thin-line check.
          if (TEXT_FILLS.has(gs.textRender)) this.paintFill(gs, resources, baseCtm, depth);
          if (TEXT_STROKES.has(gs.textRender)) this.paint(gs.strokeCs, gs.strokePattern, resources, baseCtm, depth);
          break;
        case "sh":
          this.paintShading(nameOf(args[0]), resources);
          break;
        case "Do":
          this.doXObject(nameOf(args[0]), resources, gs, depth);
          break;
        case "BI": {
          const inline = lexer.readInlineImage();
          const image = describeInlineImage(inline.dict, resources, this.env.colorSpaces);
          if (image) this.paintImage(image, gs);
          if (!inline.complete) this.findings.damage.push("An inline image has no end (EI): the content after it could not be read.");
          break;
        }
      }
    }
  }

  private paintFill(gs: GState, resources: PDFDict | undefined, baseCtm: Matrix, depth: number): void {
    this.paint(gs.fillCs, gs.fillPattern, resources, baseCtm, depth);
  }

  private paintStroke(gs: GState, resources: PDFDict | undefined, baseCtm: Matrix, depth: number): void {
    this.paint(gs.strokeCs, gs.strokePattern, resources, baseCtm, depth);
    const width = gs.lineWidth * minScale(gs.ctm);
    const f = this.findings;
    if (f.minLineWidthPt === null || width < f.minLineWidthPt) f.minLineWidthPt = width;
    // A hair's breadth of float error must not make a 0.25 pt reference line "thin".
    if (width < THIN_LINE_PT - 1e-9) f.thinStrokes++;
  }

  private paint(cs: ColorSpaceInfo | null, pattern: string | null, resources: PDFDict | undefined, baseCtm: Matrix, depth: number): void {
    if (!cs) return;
    if (cs.family !== "Pattern") {
      this.findings.colorSpaces.set(cs.name, cs);
      return;
    }
    this.paintPattern(pattern, cs, resources, baseCtm, depth);
  }

  private paintPattern(name: string | null, cs: ColorSpaceInfo, resources: PDFDict | undefined, baseCtm: Matrix, depth: number): void {
    const { ctx } = this.env;
    const pattern = name === null ? undefined : get(ctx, asDict(get(ctx, resources, "Pattern")), name);
    const dict = asDict(pattern);
    if (!pattern || !dict) return;
    const type = numberAt(ctx, dict, "PatternType");
    if (type === 2) {
      this.paintShadingDict(asDict(get(ctx, dict, "Shading")));
      return;
    }
    // Uncoloured tiling patterns take their colour from the Pattern space's base (§8.7.3.3).
    if (numberAt(ctx, dict, "PaintType") === 2) {
      if (cs.base) this.findings.colorSpaces.set(cs.base.name, cs.base);
      return;
    }
    // A coloured tiling pattern draws its own content; once per page is enough to know what it uses.
    if (!(pattern instanceof PDFRawStream) || this.patternsRun.has(pattern)) return;
    this.patternsRun.add(pattern);
    // The pattern matrix maps into the default space of the stream that uses it, not the current CTM (§8.7.3.1).
    this.runForm(pattern, resources, { ctm: baseCtm }, depth);
  }

  private paintShading(name: string | undefined, resources: PDFDict | undefined): void {
    if (name === undefined) return;
    const { ctx } = this.env;
    this.paintShadingDict(asDict(get(ctx, asDict(get(ctx, resources, "Shading")), name)));
  }

  private paintShadingDict(shading: PDFDict | undefined): void {
    const cs = get(this.env.ctx, shading, "ColorSpace");
    if (cs === undefined) return;
    const info = this.env.colorSpaces.describe(cs);
    this.findings.colorSpaces.set(info.name, info);
  }

  private doXObject(name: string | undefined, resources: PDFDict | undefined, gs: GState, depth: number): void {
    if (name === undefined) return;
    const { ctx } = this.env;
    const xobject = get(ctx, asDict(get(ctx, resources, "XObject")), name);
    if (!(xobject instanceof PDFRawStream)) return;
    const subtype = nameAt(ctx, xobject.dict, "Subtype");
    if (subtype === "Image") {
      const image = describeImageXObject(ctx, name, xobject.dict, this.env.colorSpaces);
      if (image) this.paintImage(image, gs);
    } else if (subtype === "Form") {
      this.runForm(xobject, resources, gs, depth);
    }
  }

  private paintImage(image: ImageDescription, gs: GState): void {
    const f = this.findings;
    // A stencil mask paints the current fill colour through its pixels.
    if (image.imageMask) {
      if (gs.fillCs && gs.fillCs.family !== "Pattern") f.colorSpaces.set(gs.fillCs.name, gs.fillCs);
    } else if (image.colorSpace) f.colorSpaces.set(image.colorSpace.name, image.colorSpace);
    if (image.softMask) f.softMaskedImages++;
    const placed = placeImage(image, gs.ctm, this.page);
    if (!placed) return;
    if (placed.effectivePpi < this.env.requiredDpi) f.lowResolutionImages++;
    const budget = this.env.budget;
    if (budget.imagesListed >= MAX_IMAGES_LISTED) {
      budget.reached("images");
      return;
    }
    budget.imagesListed++;
    f.images.push(placed);
  }
}

const NEWLINE = new Uint8Array([0x0a]);

function nameOf(operand: Operand | undefined): string | undefined {
  return operand instanceof PdfName ? operand.value : undefined;
}
