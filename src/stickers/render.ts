import { backgroundGrid, compositeBand } from "../bg-removal/composite";
import { cutOutMatte } from "../bg-removal/cut-out";
import { AlphaUpsampler } from "../bg-removal/matte";
import { decodeFailure, readGuide, readMask, storedAlphaSource } from "../bg-removal/guide";
import { deleteWork } from "../bg-removal/work-files";
import { MIN_PART_BYTES, R2StreamWriter } from "../files/r2-writer";
import { openRaster } from "../imaging/open-raster";
import type { RasterStream, RowBand } from "../imaging/raster-stream";
import { release } from "../imaging/release";
import { resampleLanczos } from "../imaging/resample";
import { r2File } from "../imaging/source-file";
import { JobInputError } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { yieldToRuntime } from "../platform/yield";
import { STICKER_BASE_TOKENS, STICKER_MAX_TOKENS } from "../pricing/prices";
import { StickerCanvas } from "./canvas";
import type { CutPath } from "./cut-path";
import { requiredPaddingPx, traceCutLine } from "./geometry";
import { stickerFileKeys, type AlphaSource, type StickerParams, type StickerResult } from "./jobs";
import { layoutSticker, MM_PER_INCH, opaqueBox, traceFactor, traceMask, type StickerLayout } from "./layout";
import { buildStickerPdf } from "./pdf";
import { cutLineSvg } from "./svg";

/**
 * How much steeper a model's matte is made about 50 % for a sticker. A
 * photo's matte has wide half-transparent areas (a blurred background
 * object the model is unsure of); printed over the border they are ghosts,
 * and where alpha lingers near 50 % the outline there is decided by noise.
 * Alpha 50 % ± 6 % becomes 0 … 100 %: the 50 % line, which the cut follows,
 * stays where it was, hair still fades over a few pixels, and nothing is
 * printed half-there.
 */
const MATTE_STEEPNESS = 8;

function steepenMatte(alpha: Uint8Array): void {
  for (let i = 0; i < alpha.length; i++) alpha[i] = Math.max(0, Math.min(255, Math.round((alpha[i]! - 127.5) * MATTE_STEEPNESS + 127.5)));
}

/** Canvas rows written at a time where no artwork is (border and bleed only). */
const FILL_BAND_ROWS = 64;

function parseHex(colour: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16)) as [number, number, number];
}

/**
 * A sticker's last step, in the image Worker: the outline at the guide's
 * resolution (the source's own alpha, a colour key, or the model's mask
 * refined as a cut-out's), the cut line traced on the print grid, then the
 * source decoded once more and the artwork resampled onto the canvas band by
 * band, over the border colour, into the PNG and the PDF's planes.
 */
export async function renderSticker(env: Env, job: Job): Promise<JobOutput> {
  const params = job.params as StickerParams;
  const settings = readSettings(env);
  const { lap, timings } = stopwatch();
  const { guide, meta, stored } = await readGuide(env, job);
  let outline: AlphaSource = storedAlphaSource(stored) ?? "model";
  let alpha: Uint8Array;
  let decontaminate: ReturnType<typeof backgroundGrid> | null = null;
  if (outline === "own_alpha") {
    alpha = new Uint8Array(guide.width * guide.height);
    for (let i = 0; i < alpha.length; i++) alpha[i] = guide.data[i * 4 + 3]!;
  } else {
    const matte = await cutOutMatte(guide, { subject_type: params.subject_type, edge_softness: 0, high_detail_mode: false, output_background: "transparent" }, () =>
      readMask(env, job),
    );
    outline = matte.method === "colour_key" ? "colour_key" : "model";
    alpha = matte.alpha;
    steepenMatte(alpha);
    decontaminate = backgroundGrid(guide, alpha);
  }
  release(guide.data);
  const box = opaqueBox(alpha, guide.width, guide.height);
  if (!box) throw new JobInputError("No artwork was found in the image: nothing in it is at least half opaque after the background is removed.");
  // The box in source pixels (the guide is the source scaled down).
  const sx = meta.sourceWidth / guide.width;
  const sy = meta.sourceHeight / guide.height;
  const options = { borderMm: params.border_mm, minRadiusMm: params.min_radius_mm, bleedMm: params.bleed_mm, singlePiece: params.single_piece };
  const pxPerMm = params.dpi / MM_PER_INCH;
  const sourceBox = { x0: box.x0 * sx, y0: box.y0 * sy, x1: box.x1 * sx, y1: box.y1 * sy };
  // The grid's padding is what the tracer needs at the trace grid's pixel size, which depends on the grid: twice round settles it.
  const layoutWith = (factor: number) => {
    const padPx = (requiredPaddingPx(options, factor / pxPerMm) + 1) * factor;
    return layoutSticker(sourceBox, { sizeInches: params.size_inches, dpi: params.dpi, borderMm: params.border_mm, padPx });
  };
  let factor = traceFactor(layoutWith(1));
  let layout = layoutWith(factor);
  if (traceFactor(layout) > factor) layout = layoutWith((factor = traceFactor(layout)));
  const mask = traceMask(alpha, guide.width, guide.height, { width: meta.sourceWidth, height: meta.sourceHeight }, layout, factor);
  const cut = traceCutLine(mask, options);
  lap("traceMs");

  // The canvas: the cut line's box grown by the bleed, in whole print pixels.
  const px = layout.pxPerMm;
  const cx0 = Math.max(0, Math.floor((cut.bounds.x - params.bleed_mm) * px));
  const cy0 = Math.max(0, Math.floor((cut.bounds.y - params.bleed_mm) * px));
  const cx1 = Math.min(layout.gridWidth, Math.ceil((cut.bounds.x + cut.bounds.width + params.bleed_mm) * px));
  const cy1 = Math.min(layout.gridHeight, Math.ceil((cut.bounds.y + cut.bounds.height + params.bleed_mm) * px));
  const width = cx1 - cx0;
  const height = cy1 - cy0;
  const shift = (p: readonly [number, number]) => [p[0] - cx0 / px, p[1] - cy0 / px] as const;
  const paths: CutPath[] = cut.paths.map((path) => ({
    start: shift(path.start),
    segments: path.segments.map((s) => ({ c1: shift(s.c1), c2: shift(s.c2), to: shift(s.to) })),
  }));
  const canvasMm = { widthMm: width / px, heightMm: height / px };
  const trim = { x: cut.bounds.x - cx0 / px, y: cut.bounds.y - cy0 / px, width: cut.bounds.width, height: cut.bounds.height };

  const keys = stickerFileKeys(job);
  const output = new R2StreamWriter(env.FILES, keys.png, { httpMetadata: { contentType: "image/png" } }, MIN_PART_BYTES);
  const canvas = new StickerCanvas(width, height, params.dpi, parseHex(params.border_color), (chunk) => output.write(chunk));
  let pngBytes: number;
  let planes: { rgb: Uint8Array; alpha: Uint8Array };
  try {
    const raster = await openRaster(r2File(env.FILES, meta.sourceKey, meta.sourceSize), { maxPixels: settings.bgRemoveMaxPixels });
    try {
      if (raster.info.width !== meta.sourceWidth || raster.info.height !== meta.sourceHeight) throw new Error("the staged source changed between the steps");
      const cutOut = outline === "own_alpha" ? raster : withMatte(raster, alpha, guide.width, guide.height, decontaminate!);
      const placed = placeArtwork(cutOut, layout, { cx0, cy0, width, height });
      const grid = { traceWidth: mask.width, traceHeight: mask.height, factor, cx0, cy0 };
      await writeCanvas(canvas, placed, { ...grid, plane: cut.fill }, { ...grid, plane: mask.alpha });
    } finally {
      await raster.close();
    }
    await canvas.png.finish();
    planes = { rgb: await canvas.rgb.finish(), alpha: await canvas.alpha.finish() };
    pngBytes = await output.close();
  } catch (error) {
    await canvas.abort(error);
    await output.abort();
    throw decodeFailure(error);
  }
  lap("renderMs");

  const svg = cutLineSvg(paths, canvasMm);
  await env.FILES.put(keys.svg, svg, { httpMetadata: { contentType: "image/svg+xml" } });
  const pdf = await buildStickerPdf({ canvas: canvasMm, trim, paths, image: { width, height, rgb: planes.rgb, alpha: planes.alpha }, dpi: params.dpi, title: "Sticker" });
  await env.FILES.put(keys.pdf, pdf, { httpMetadata: { contentType: "application/pdf" } });
  lap("filesMs");
  await deleteWork(env, job);
  const result: StickerResult = {
    width_px: width,
    height_px: height,
    cut_length_mm: Math.round(cut.lengthMm * 10) / 10,
    pieces: cut.pieces,
    alpha_source: outline,
    svg_key: keys.svg,
    pdf_key: keys.pdf,
    bytes: pngBytes,
    pdf_bytes: pdf.byteLength,
    timings,
  };
  return {
    outputKey: keys.png,
    outputContentType: "image/png",
    result,
    finalCost: outline === "model" ? STICKER_MAX_TOKENS : STICKER_BASE_TOKENS,
  };
}

/** The source's bands with the matte's alpha (upsampled from the guide) and their colours decontaminated, as a cut-out's. */
function withMatte(source: RasterStream, alpha: Uint8Array, guideWidth: number, guideHeight: number, grid: ReturnType<typeof backgroundGrid>): RasterStream {
  const { width, height } = source.info;
  const upsampler = new AlphaUpsampler(alpha, guideWidth, guideHeight, width, height);
  let a = new Uint8Array(0);
  let out = new Uint8ClampedArray(0);
  return {
    info: { width, height, hasAlpha: true },
    retainedBytes: () => a.byteLength + out.byteLength + source.retainedBytes(),
    bands: (async function* () {
      for await (const band of source.bands) {
        const pixels = band.width * band.height;
        if (a.length < pixels) {
          a = new Uint8Array(pixels);
          out = new Uint8ClampedArray(pixels * 4);
        }
        const rows = a.subarray(0, pixels);
        upsampler.rows(band.y, band.height, rows);
        const rgba = out.subarray(0, pixels * 4);
        compositeBand(band.rows, rows, width, band.y, height, grid, false, new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length));
        yield { y: band.y, width, height: band.height, rows: rgba } satisfies RowBand;
      }
    })(),
  };
}

/**
 * The part of the source under the canvas, resampled to print pixels, and
 * where its first pixel lands on the canvas. Rounded to whole source pixels,
 * so it lands within half a print pixel of the traced outline.
 */
function placeArtwork(
  source: RasterStream,
  layout: StickerLayout,
  canvas: { cx0: number; cy0: number; width: number; height: number },
): { stream: RasterStream; x: number; y: number } | null {
  const { scale, originX, originY } = layout;
  const x0 = Math.max(0, Math.floor((canvas.cx0 - originX) / scale));
  const y0 = Math.max(0, Math.floor((canvas.cy0 - originY) / scale));
  const x1 = Math.min(source.info.width, Math.ceil((canvas.cx0 + canvas.width - originX) / scale));
  const y1 = Math.min(source.info.height, Math.ceil((canvas.cy0 + canvas.height - originY) / scale));
  if (x1 <= x0 || y1 <= y0) return null;
  const target = { width: Math.max(1, Math.round((x1 - x0) * scale)), height: Math.max(1, Math.round((y1 - y0) * scale)) };
  const stream = resampleLanczos(target, { crop: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } })(source);
  return { stream, x: Math.round(originX + x0 * scale) - canvas.cx0, y: Math.round(originY + y0 * scale) - canvas.cy0 };
}

/** A plane on the trace grid (coverage or alpha, 0..255), read on the canvas's rows. */
interface TracePlane {
  plane: Uint8Array;
  traceWidth: number;
  traceHeight: number;
  factor: number;
  cx0: number;
  cy0: number;
}

/** A trace-grid plane on canvas rows y … y + rows − 1 (bilinear when the trace grid is coarser). */
function planeRows(grid: TracePlane, width: number, y: number, rows: number, out: Uint8Array): Uint8Array {
  const { plane: fill, traceWidth, traceHeight, factor, cx0, cy0 } = grid;
  const o = out.subarray(0, rows * width);
  for (let r = 0; r < rows; r++) {
    const ty = (y + r + cy0 + 0.5) / factor - 0.5;
    const j0 = Math.max(0, Math.min(traceHeight - 1, Math.floor(ty)));
    const j1 = Math.min(traceHeight - 1, j0 + 1);
    const wy = factor === 1 ? 0 : Math.max(0, Math.min(1, ty - j0));
    for (let x = 0; x < width; x++) {
      const tx = (x + cx0 + 0.5) / factor - 0.5;
      const i0 = Math.max(0, Math.min(traceWidth - 1, Math.floor(tx)));
      const i1 = Math.min(traceWidth - 1, i0 + 1);
      const wx = factor === 1 ? 0 : Math.max(0, Math.min(1, tx - i0));
      const top = fill[j0 * traceWidth + i0]! * (1 - wx) + fill[j0 * traceWidth + i1]! * wx;
      const bottom = fill[j1 * traceWidth + i0]! * (1 - wx) + fill[j1 * traceWidth + i1]! * wx;
      o[r * width + x] = Math.round(top * (1 - wy) + bottom * wy);
    }
  }
  return o;
}

/** Writes every canvas row: border-and-bleed rows around the artwork's bands, the artwork (clipped to the traced outline) over them where it is. */
async function writeCanvas(
  canvas: StickerCanvas,
  artwork: { stream: RasterStream; x: number; y: number } | null,
  fillPlane: TracePlane,
  outlinePlane: TracePlane,
): Promise<void> {
  const { width, height } = canvas;
  let fill = new Uint8Array(width * FILL_BAND_ROWS);
  let clip = new Uint8Array(0);
  let y = 0;
  const fillOnly = async (until: number) => {
    while (y < until) {
      const rows = Math.min(FILL_BAND_ROWS, until - y);
      await canvas.writeRows(rows, planeRows(fillPlane, width, y, rows, fill), null);
      y += rows;
      await yieldToRuntime();
    }
  };
  if (artwork) {
    for await (const band of artwork.stream.bands) {
      const top = artwork.y + band.y;
      // Rows of the band outside the canvas (rounding at its edges) are skipped.
      const skip = Math.max(0, y - top);
      const rows = Math.min(band.height - skip, height - Math.max(top, y));
      if (rows <= 0) continue;
      await fillOnly(top + skip);
      if (fill.length < rows * width) fill = new Uint8Array(rows * width);
      if (clip.length < rows * width) clip = new Uint8Array(rows * width);
      const view: RowBand = { y: 0, width: band.width, height: rows, rows: band.rows.subarray(skip * band.width * 4, (skip + rows) * band.width * 4) };
      await canvas.writeRows(rows, planeRows(fillPlane, width, y, rows, fill), { band: view, x: artwork.x, clip: planeRows(outlinePlane, width, y, rows, clip) });
      y += rows;
      await yieldToRuntime();
    }
  }
  await fillOnly(height);
}
