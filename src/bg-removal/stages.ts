import { SourceError, stageSource, type StagedSource } from "../files/fetch-source";
import { jobOutputKey } from "../files/keys";
import { MIN_PART_BYTES, R2StreamWriter } from "../files/r2-writer";
import { AreaDownsampler, fitWithin } from "../imaging/downsample";
import { ImageDecodeError } from "../imaging/errors";
import { openRaster } from "../imaging/open-raster";
import { PngStreamEncoder } from "../imaging/png-stream";
import type { RowBand } from "../imaging/raster-stream";
import { release } from "../imaging/release";
import { sniff } from "../imaging/sniff";
import { r2File, type SourceFile } from "../imaging/source-file";
import type { NextStage } from "../jobs/consumer";
import { stageAfter } from "../jobs/queue";
import { JobInputError, undecodableImage } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { yieldToRuntime } from "../platform/yield";
import { backgroundGrid, compositeBand } from "./composite";
import { cropRectangle, parseCropMargin, type CropBox, type CropMargin } from "./crop";
import { CutAlpha } from "./cut-alpha";
import { cutOutMatte, needsModel, softenMatte } from "./cut-out";
import type { BgRemovalParams } from "./jobs";
import { readModelManifest } from "./manifest";
import type { Rgba } from "./matte";
import { toModelInput } from "./model-input";
import { findSubjectBox } from "./subject-box";
import { deleteWork, getWork, putWork, workKey } from "./work-files";

/**
 * A background removal in three steps, none of which ever holds a
 * full-resolution frame (src/jobs/queue.ts says which Worker runs which):
 *
 * 1. prepare: the source is staged in R2 and decoded once, band by band,
 *    into a guide (the image scaled to at most GUIDE_LONG_SIDE, 16 MB at
 *    most) and, from it, the model's input tensor.
 * 2. segment (src/bg-removal/segment.ts): the model runs on that tensor
 *    alone, in the Worker that holds the model runtime, and stores its mask.
 * 3. composite: the matte is refined at the guide's resolution (guided
 *    filter, colour model, edge softness), then the source is decoded a
 *    second time and each band is cut out at full resolution (the alpha
 *    upsampled from the guide's matte, or keyed per pixel), decontaminated
 *    and written to the PNG as it streams to R2. With `crop`, the subject's
 *    box is found first (src/bg-removal/subject-box.ts) and only the rows
 *    and columns of the crop reach the encoder.
 *
 * Graphics on a flat background are colour-keyed and skip step 2. Each
 * step may run more than once (a retried delivery): every file it writes
 * is overwritten whole, and the job ends once because the wallet's hold
 * decides (src/jobs/settle.ts).
 */

/**
 * The guide's long side: the guided filter of hair_heavy and high-detail
 * cuts works at 2048 px, so the guide is never the coarser of the two.
 */
export const GUIDE_LONG_SIDE = 2048;

const RASTER_TYPES: readonly string[] = ["jpeg", "png", "webp"];

export interface GuideMeta {
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
  sourceKey: string;
  sourceSize: number;
}

function readGuideMeta(meta: Record<string, string>): GuideMeta {
  const number = (name: string) => {
    const value = Number(meta[name]);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`the job's guide has no ${name}`);
    return value;
  };
  if (!meta.sourceKey) throw new Error("the job's guide names no source");
  return {
    width: number("width"),
    height: number("height"),
    sourceWidth: number("sourceWidth"),
    sourceHeight: number("sourceHeight"),
    sourceKey: meta.sourceKey,
    sourceSize: number("sourceSize"),
  };
}

/** Fetches (or finds) the source and checks its type and pixel count from its first bytes; every way it can be unusable is a JobInputError. */
async function stageJobSource(env: Env, job: Job): Promise<StagedSource> {
  const settings = readSettings(env);
  let staged: StagedSource;
  try {
    staged = await stageSource(env, job.sourceUrl, workKey(job, "source"), { maxBytes: settings.maxSourceBytes, timeoutMs: settings.fetchTimeoutMs });
  } catch (error) {
    if (error instanceof SourceError) throw new JobInputError(error.message, { cause: error });
    throw error;
  }
  const sniffed = sniff(staged.head);
  if (!sniffed || !RASTER_TYPES.includes(sniffed.type)) {
    throw new JobInputError(`The file is not a JPEG, PNG or WebP image${sniffed ? ` (it is ${sniffed.type.toUpperCase()})` : ""}.`);
  }
  if (!sniffed.width || !sniffed.height) throw new JobInputError("The image header could not be read; the file may be damaged.");
  const pixels = sniffed.width * sniffed.height;
  if (pixels > settings.bgRemoveMaxPixels) {
    throw new JobInputError(
      `The image is ${sniffed.width}×${sniffed.height} (${(pixels / 1e6).toFixed(1)} MP), over the ${(settings.bgRemoveMaxPixels / 1e6).toFixed(1)} MP background removal takes (BG_REMOVE_MAX_PIXELS).`,
    );
  }
  return staged;
}

/** A decode failure of the source as the job's error: a damaged JPEG says so plainly (a cut-out of one is not worth its tokens). */
export function decodeFailure(error: unknown, file: { head?: Uint8Array } = {}): unknown {
  if (!(error instanceof ImageDecodeError)) return error;
  if (error.reason === "damaged" && file.head && sniff(file.head)?.type === "jpeg") {
    return new JobInputError(`The JPEG is damaged (${error.message.replace(/\.$/, "")}); send the whole file.`, { cause: error });
  }
  return undecodableImage(error);
}

/** A job's source decoded once into its guide, which is stored for the last step. */
export interface PreparedGuide {
  image: { data: Uint8ClampedArray; width: number; height: number };
  /** Share of the source's pixels that are less than half opaque (0 for a source without alpha). */
  transparentShare: number;
}

/**
 * The first step of a cut-out or a sticker: stage the source, decode it once
 * into the guide (counting its transparent pixels on the way) and store the
 * guide with what the last step needs to decode the source again.
 */
export async function prepareGuide(
  env: Env,
  job: Job,
  /** Facts the next steps need, decided from the guide before it is stored with them. */
  decide: (prepared: PreparedGuide) => Record<string, string | number> = () => ({}),
): Promise<PreparedGuide> {
  const settings = readSettings(env);
  const { lap, timings } = stopwatch();
  const staged = await stageJobSource(env, job);
  lap("fetchMs");
  let guide: AreaDownsampler;
  let transparent = 0;
  try {
    const raster = await openRaster(staged.file, { maxPixels: settings.bgRemoveMaxPixels });
    try {
      const size = fitWithin(raster.info.width, raster.info.height, GUIDE_LONG_SIDE);
      guide = new AreaDownsampler(raster.info.width, raster.info.height, size.width, size.height);
      for await (const band of raster.bands) {
        guide.push(band);
        if (raster.info.hasAlpha) transparent += countTransparent(band.rows);
        await yieldToRuntime();
      }
    } finally {
      await raster.close();
    }
  } catch (error) {
    throw decodeFailure(error, staged);
  }
  lap("decodeMs");
  const meta: GuideMeta = {
    width: guide.width,
    height: guide.height,
    sourceWidth: guide.sourceWidth,
    sourceHeight: guide.sourceHeight,
    sourceKey: staged.key,
    sourceSize: staged.file.size,
  };
  const prepared: PreparedGuide = {
    image: { data: guide.data, width: guide.width, height: guide.height },
    transparentShare: transparent / (guide.sourceWidth * guide.sourceHeight),
  };
  await putWork(env, job, "guide", guide.data, { ...meta, ...decide(prepared), timings: JSON.stringify(timings) });
  return prepared;
}

function countTransparent(rgba: Uint8ClampedArray): number {
  let n = 0;
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i]! < 128) n++;
  return n;
}

/** Stores the model's input tensor made from the guide; the guide's pixels are not needed here afterwards. */
export async function putModelInput(env: Env, job: Job, image: PreparedGuide["image"]): Promise<void> {
  const manifest = await readModelManifest(env);
  const input = toModelInput(image, manifest.inputSize, manifest.mean, manifest.std);
  release(image.data);
  await putWork(env, job, "input", input, { size: manifest.inputSize, model: manifest.name });
}

/** The guide's size and the staged source, as the first step stored them. */
export async function readGuide(env: Env, job: Job): Promise<{ guide: { data: Uint8ClampedArray; width: number; height: number }; meta: GuideMeta; stored: Record<string, string> }> {
  const stored = await getWork(env, job, "guide");
  if (!stored) throw new Error("the job's guide is missing; its first step must run again");
  const meta = readGuideMeta(stored.meta);
  return { guide: { data: new Uint8ClampedArray(stored.bytes), width: meta.width, height: meta.height }, meta, stored: stored.meta };
}

/** The model's mask as the segment step stored it. */
export async function readMask(env: Env, job: Job): Promise<{ mask: Float32Array; size: number; model: string | null }> {
  const mask = await getWork(env, job, "mask");
  if (!mask) throw new Error("the job's mask is missing; the model step must run again");
  return { mask: new Float32Array(mask.bytes), size: Number(mask.meta.size), model: mask.meta.model ?? null };
}

/** Step 1: stage, decode once into the guide, and the model's input unless a colour key will do. */
export async function prepareCutOut(env: Env, job: Job): Promise<NextStage> {
  const params = job.params as BgRemovalParams;
  const { image } = await prepareGuide(env, job);
  if (!needsModel(image, params)) return { next: stageAfter(job.kind, "segment") };
  await putModelInput(env, job, image);
  return { next: "segment" };
}

/** Decodes the staged source band by band into `visit` until it has seen every row or returns true (it needs no more). */
async function readBands(file: SourceFile, maxPixels: number, size: { width: number; height: number }, visit: (band: RowBand) => Promise<boolean> | boolean): Promise<void> {
  const raster = await openRaster(file, { maxPixels });
  try {
    if (raster.info.width !== size.width || raster.info.height !== size.height) throw new Error("the staged source changed between the steps");
    for await (const band of raster.bands) {
      if (await visit(band)) break;
      await yieldToRuntime();
    }
  } finally {
    await raster.close();
  }
}

/**
 * Whether any pixel of the guide is less than opaque: the source has
 * transparency of its own, which the output keeps. A guide cell is a mean, so
 * a source whose only transparency is a few levels in scattered pixels can
 * round to an opaque guide; its crop is then found from the cut alone.
 */
function hasTransparency(guide: Rgba): boolean {
  for (let i = 3; i < guide.data.length; i += 4) if (guide.data[i]! < 255) return true;
  return false;
}

function cropMarginOf(params: BgRemovalParams): CropMargin {
  const margin = parseCropMargin(params.crop_margin ?? "0");
  // Validated when the job was created; a stored job with another value was not made by this API.
  if (typeof margin === "string") throw new JobInputError(`crop_margin ${margin}`);
  return margin;
}

/** Step 3: the matte at the guide's resolution, then the full-resolution cut-out (cropped if asked) from a second decode. */
export async function compositeCutOut(env: Env, job: Job): Promise<JobOutput> {
  const params = job.params as BgRemovalParams;
  const settings = readSettings(env);
  const { lap, timings } = stopwatch();
  const { guide, meta, stored } = await readGuide(env, job);
  let modelName: string | null = null;
  const matte = await cutOutMatte(guide, params, async () => {
    const mask = await readMask(env, job);
    modelName = mask.model;
    return mask;
  });
  const hardCut = params.edge_softness <= 0;
  // A hard cut is thresholded per full-resolution pixel, so its edge is as fine as the source's; a soft one is feathered here.
  if (!hardCut) softenMatte(matte, guide.width, guide.height, params.edge_softness);
  const grid = backgroundGrid(guide, matte.alpha);
  const keyColour = hardCut && matte.method === "colour_key" ? matte.keyColour : null;
  const opaque = !hasTransparency(guide);
  release(guide.data);
  lap("matteMs");

  const { sourceWidth: width, sourceHeight: height } = meta;
  const file: SourceFile = r2File(env.FILES, meta.sourceKey, meta.sourceSize);
  const read = (visit: (band: RowBand) => Promise<boolean> | boolean) => readBands(file, settings.bgRemoveMaxPixels, { width, height }, visit);
  const cut = new CutAlpha(matte.alpha, guide.width, guide.height, width, height, keyColour, hardCut);
  let crop: CropBox = { x: 0, y: 0, width, height };
  if (params.crop) {
    let subject: CropBox | null;
    try {
      subject = await findSubjectBox(cut, {
        opaque,
        read: (visit) =>
          read((band) => {
            visit(band);
            return false;
          }),
      });
    } catch (error) {
      throw decodeFailure(error);
    }
    // remove.bg answers a source without a foreground with an error (unknown_foreground); a crop of nothing has no size either.
    if (!subject) throw new JobInputError("No subject was found to crop to: the cut-out would be fully transparent. Try another subject_type, or crop: false.");
    crop = cropRectangle(subject, cropMarginOf(params), width, height);
    lap("cropMs");
  }

  const white = params.output_background === "white";
  const channels = white ? 3 : 4;
  const outputKey = jobOutputKey(job.accountId, job.id, "png");
  const output = new R2StreamWriter(env.FILES, outputKey, { httpMetadata: { contentType: "image/png" } }, MIN_PART_BYTES);
  const encoder = new PngStreamEncoder(crop.width, crop.height, channels, (chunk) => output.write(chunk));
  const columns = { x0: crop.x, x1: crop.x + crop.width };
  const end = crop.y + crop.height;
  let bytes: number;
  try {
    let alpha = new Uint8Array(0);
    let out = new Uint8Array(0);
    // Only the crop's rows are cut out and only its columns composited and encoded; the decode stops after its last row.
    await read(async (band) => {
      const from = Math.max(band.y, crop.y);
      const to = Math.min(band.y + band.height, end);
      if (from < to) {
        const rows = to - from;
        if (alpha.length < rows * width) {
          alpha = new Uint8Array(rows * width);
          out = new Uint8Array(rows * crop.width * channels);
        }
        const a = alpha.subarray(0, rows * width);
        const pixels = band.rows.subarray((from - band.y) * width * 4, (to - band.y) * width * 4);
        cut.rows(from, rows, pixels, a);
        compositeBand(pixels, a, width, from, height, grid, white, out, columns);
        await encoder.writeRows(out.subarray(0, rows * crop.width * channels));
      }
      return band.y + band.height >= end;
    });
    await encoder.finish();
    lap("encodeMs");
    bytes = await output.close();
    lap("storeMs");
  } catch (error) {
    await encoder.abort(error).catch(() => undefined);
    await output.abort();
    throw decodeFailure(error);
  }
  const earlier = JSON.parse(stored.timings ?? "{}") as Record<string, number>;
  await deleteWork(env, job);
  return {
    outputKey,
    outputContentType: "image/png",
    result: {
      width: crop.width,
      height: crop.height,
      ...(params.crop ? { crop_box: crop } : {}),
      bytes,
      matte: matte.method,
      model: modelName,
      timings: { ...earlier, ...timings },
    },
  };
}
