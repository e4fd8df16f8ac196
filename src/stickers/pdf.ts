import { PDFDocument, PDFName, PDFString, type PDFContext, type PDFRef } from "pdf-lib";
import type { CutPath, RectMm } from "./cut-path";
import { PDFByteStream } from "./pdf-byte-stream";
import { RESOURCE_NAMES, canvasBoxPt, rectBoxPt, writePageContent, type BoxPt } from "./pdf-content";

export { pdfPoint, PT_PER_MM } from "./pdf-content";

/**
 * The sticker's artwork, already compressed. Each stream is zlib data
 * (RFC 1950, what CompressionStream("deflate") writes), which is what
 * /FlateDecode reads, of rows with no PNG filter byte (no /DecodeParms
 * predictor): the caller deflates bands as it renders them, so no one ever
 * holds the raw frame, and the PDF carries the bytes as they are.
 */
export interface StickerImage {
  /** Pixels; the image covers the whole canvas. */
  width: number;
  height: number;
  /** 8-bit RGB rows, deflated. */
  rgb: Uint8Array;
  /** 8-bit alpha rows, deflated; null when the artwork is opaque. */
  alpha: Uint8Array | null;
}

export interface StickerPdfInput {
  /** The page: the cut line's bounds plus the bleed. */
  canvas: { widthMm: number; heightMm: number };
  /** The cut line's bounding box, in canvas millimetres (top-left origin). */
  trim: RectMm;
  paths: CutPath[];
  image: StickerImage;
  /** The image's resolution on the canvas: its width is canvas.widthMm × dpi / 25.4, rounded. */
  dpi: number;
  title?: string;
}

export const STICKER_PDF_PRODUCER = "printcart-ai-services";
const DEFAULT_TITLE = "Die-cut sticker";
/** The spot colour cutters and RIPs (Roland VersaWorks, Mimaki, Summa, Caldera) look for by name. */
const CUT_CONTOUR = "CutContour";
/** Rounding the canvas to pixels moves either side by at most half a pixel; more means the caller mixed up sizes. */
const MAX_IMAGE_SIZE_ERROR_PX = 1;
/** A box edge this far outside the canvas is a caller's error, not rounding. */
const BOX_TOLERANCE_MM = 1e-6;

/**
 * One page for a print shop's RIP and cutter: the artwork (with its alpha
 * as a soft mask) filling MediaBox = BleedBox = CropBox = the canvas,
 * TrimBox = the cut line's bounds, and the cut line stroked in the
 * /Separation /CutContour spot colour (alternate 100 % magenta) with
 * overprint, in an optional-content group of the same name.
 *
 * The image streams are the caller's own arrays: pdf-lib's save copies them
 * once into the one buffer it allocates for the file, so the peak is the
 * compressed image twice (measured: bench/sticker-pdf.mjs). There is no
 * date and no /ID in the file, so the same input gives the same bytes.
 */
export async function buildStickerPdf(input: StickerPdfInput): Promise<Uint8Array> {
  assertStickerPdfInput(input);
  const { canvas } = input;
  const doc = await PDFDocument.create({ updateMetadata: false });
  const context = doc.context;
  doc.setTitle(input.title ?? DEFAULT_TITLE);
  doc.setProducer(STICKER_PDF_PRODUCER);

  const canvasBox = canvasBoxPt(canvas);
  const page = doc.addPage();
  const box = (value: BoxPt) => context.obj([...value]);
  page.node.set(PDFName.MediaBox, box(canvasBox));
  page.node.set(PDFName.CropBox, box(canvasBox));
  page.node.set(PDFName.BleedBox, box(canvasBox));
  page.node.set(PDFName.TrimBox, box(rectBoxPt(input.trim, canvas.heightMm)));

  const layer = context.register(context.obj({ Type: "OCG", Name: PDFString.of(CUT_CONTOUR) }));
  doc.catalog.set(
    PDFName.of("OCProperties"),
    context.obj({ OCGs: [layer], D: { Name: PDFString.of("Default"), Order: [layer], ON: [layer] } }),
  );

  const resources = page.node.Resources()!;
  resources.set(PDFName.XObject, context.obj({ [RESOURCE_NAMES.artwork]: registerArtwork(context, input.image) }));
  resources.set(PDFName.of("ColorSpace"), context.obj({ [RESOURCE_NAMES.cutColourSpace]: registerCutColourSpace(context) }));
  resources.set(
    PDFName.of("ExtGState"),
    context.obj({ [RESOURCE_NAMES.cutOverprint]: context.obj({ Type: "ExtGState", OP: true, op: true, OPM: 1 }) }),
  );
  resources.set(PDFName.of("Properties"), context.obj({ [RESOURCE_NAMES.cutLayer]: layer }));

  const content = context.flateStream(writePageContent(canvasBox, input.paths, canvas.heightMm));
  page.node.set(PDFName.Contents, context.register(content));

  // Classic cross-reference table: the oldest form every RIP reads; object
  // streams would save a few hundred bytes on a file of megabytes.
  return doc.save({ useObjectStreams: false, addDefaultPage: false, updateFieldAppearances: false });
}

/** The image XObject, its alpha as /SMask (PDF 32000-1 §11.6.5.3), both streams wrapping the caller's arrays. */
function registerArtwork(context: PDFContext, image: StickerImage): PDFRef {
  const { width, height } = image;
  const common = { Type: "XObject", Subtype: "Image", Width: width, Height: height, BitsPerComponent: 8, Filter: "FlateDecode" };
  const mask = image.alpha && context.register(new PDFByteStream(context.obj({ ...common, ColorSpace: "DeviceGray" }), image.alpha));
  return context.register(new PDFByteStream(context.obj({ ...common, ColorSpace: "DeviceRGB", ...(mask ? { SMask: mask } : {}) }), image.rgb));
}

/**
 * [/Separation /CutContour /DeviceCMYK f] with f a type 2 (exponential,
 * N 1) function: tint t maps to CMYK (0, t, 0, 0), so anything that does
 * not know the spot colour shows the cut line in magenta.
 */
function registerCutColourSpace(context: PDFContext): PDFRef {
  const tintTransform = context.obj({ FunctionType: 2, Domain: [0, 1], C0: [0, 0, 0, 0], C1: [0, 1, 0, 0], N: 1 });
  return context.register(context.obj([PDFName.of("Separation"), PDFName.of(CUT_CONTOUR), PDFName.of("DeviceCMYK"), tintTransform]));
}

function assertStickerPdfInput({ canvas, trim, paths, image, dpi }: StickerPdfInput): void {
  const positive = (value: number) => Number.isFinite(value) && value > 0;
  if (!positive(canvas.widthMm) || !positive(canvas.heightMm)) {
    throw new RangeError(`canvas must have a positive size, not ${canvas.widthMm} × ${canvas.heightMm} mm`);
  }
  if (!positive(dpi)) throw new RangeError(`dpi must be positive, not ${dpi}`);
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
    throw new RangeError(`image size must be whole pixels, not ${image.width} × ${image.height}`);
  }
  const [wantWidth, wantHeight] = [(canvas.widthMm * dpi) / 25.4, (canvas.heightMm * dpi) / 25.4];
  if (Math.abs(image.width - wantWidth) > MAX_IMAGE_SIZE_ERROR_PX || Math.abs(image.height - wantHeight) > MAX_IMAGE_SIZE_ERROR_PX) {
    const size = `${Math.round(wantWidth)} × ${Math.round(wantHeight)}`;
    throw new RangeError(`a ${canvas.widthMm} × ${canvas.heightMm} mm canvas at ${dpi} dpi is ${size} px, not ${image.width} × ${image.height}`);
  }
  const inside =
    trim.x >= -BOX_TOLERANCE_MM &&
    trim.y >= -BOX_TOLERANCE_MM &&
    trim.x + trim.width <= canvas.widthMm + BOX_TOLERANCE_MM &&
    trim.y + trim.height <= canvas.heightMm + BOX_TOLERANCE_MM;
  if (!(positive(trim.width) && positive(trim.height) && inside)) throw new RangeError("trim must be a non-empty rectangle inside the canvas");
  if (paths.length === 0 || paths.some((path) => path.segments.length === 0)) {
    throw new RangeError("a sticker needs at least one cut path, each with segments");
  }
  assertZlib(image.rgb, "image.rgb");
  if (image.alpha) assertZlib(image.alpha, "image.alpha");
}

/**
 * /FlateDecode reads zlib data (RFC 1950). Raw deflate (CompressionStream
 * "deflate-raw") or gzip would embed without complaint and fail only in
 * the RIP, so the two-byte header is checked here: method 8, check bits.
 */
function assertZlib(bytes: Uint8Array, name: string): void {
  const [cmf, flg] = [bytes[0], bytes[1]];
  if (cmf === undefined || flg === undefined || (cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0) {
    throw new RangeError(`${name} must be zlib-wrapped deflate data (CompressionStream("deflate"))`);
  }
}
