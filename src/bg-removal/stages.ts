import { jobOutputKey } from "../files/keys";
import { MIN_PART_BYTES, R2StreamWriter } from "../files/r2-writer";
import { openRaster } from "../imaging/open-raster";
import { PngStreamEncoder } from "../imaging/png-stream";
import type { RowBand } from "../imaging/raster-stream";
import { release } from "../imaging/release";
import { r2File, type SourceFile } from "../imaging/source-file";
import type { NextStage } from "../jobs/consumer";
import { stageAfter } from "../jobs/queue";
import { JobInputError } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { yieldToRuntime } from "../platform/yield";
import { keyThresholds } from "./colour-matte";
import { backgroundGrid, compositeBand } from "./composite";
import { cropRectangle, parseCropMargin, type CropBox, type CropMargin } from "./crop";
import { CutAlpha } from "./cut-alpha";
import { cutOutMatte, softenMatte, type Matte } from "./cut-out";
import type { BgRemovalParams } from "./jobs";
import type { Rgba } from "./matte";
import { findSubjectBox } from "./subject-box";
import { decodeFailure, prepareAlphaSource, putModelInput, readGuide, readMask, storedAlphaSource } from "./guide";
import { deleteWork } from "./work-files";

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

/** Step 1: stage, decode once into the guide, and the model's input unless the source's own alpha or a colour key will do. */
export async function prepareCutOut(env: Env, job: Job): Promise<NextStage> {
  const params = job.params as BgRemovalParams;
  const { prepared, source } = await prepareAlphaSource(env, job, { subject_type: params.subject_type, keep_existing_alpha: params.keep_existing_alpha ?? false });
  if (source !== "model") return { next: stageAfter(job.kind, "segment") };
  await putModelInput(env, job, prepared.image);
  return { next: "segment" };
}

/** The cut from the source's own alpha: nothing to refine at the guide's size, the alpha is read per full-resolution pixel. */
function ownAlphaMatte(guide: Rgba): Matte {
  return { alpha: new Uint8Array(guide.width * guide.height).fill(255), method: "own_alpha", crisp: true, keyColour: null };
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
  const ownAlpha = storedAlphaSource(stored) === "own_alpha";
  const matte = ownAlpha
    ? ownAlphaMatte(guide)
    : await cutOutMatte(guide, params, async () => {
        const mask = await readMask(env, job);
        modelName = mask.model;
        return mask;
      });
  const hardCut = params.edge_softness <= 0;
  // A hard cut is thresholded per full-resolution pixel, so its edge is as fine as the source's; a soft one is feathered here.
  // A source's own alpha is its artwork's edge as drawn: it is never feathered further.
  if (!hardCut && !ownAlpha) softenMatte(matte, guide.width, guide.height, params.edge_softness);
  const grid = backgroundGrid(guide, matte.alpha);
  const keyColour = hardCut && matte.method === "colour_key" ? matte.keyColour : null;
  const thresholds = keyColour ? keyThresholds(guide, keyColour) : null;
  const opaque = !hasTransparency(guide);
  release(guide.data);
  lap("matteMs");

  const { sourceWidth: width, sourceHeight: height } = meta;
  const file: SourceFile = r2File(env.FILES, meta.sourceKey, meta.sourceSize);
  const read = (visit: (band: RowBand) => Promise<boolean> | boolean) => readBands(file, settings.bgRemoveMaxPixels, { width, height }, visit);
  const cut = new CutAlpha(matte.alpha, guide.width, guide.height, width, height, keyColour, hardCut, ownAlpha, thresholds);
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
        compositeBand(pixels, a, width, from, height, grid, white, out, columns, cut.includesSourceAlpha);
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
