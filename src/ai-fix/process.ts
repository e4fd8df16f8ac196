import { jobOutputKey } from "../files/keys";
import { MIN_PART_BYTES, R2StreamWriter } from "../files/r2-writer";
import { addPdfBleed } from "../fixes/bleed-pdf";
import { FixInputError } from "../fixes/errors";
import { planRasterFixes, type RasterFixType } from "../fixes/plan";
import { pngPhysChunk } from "../fixes/print-resolution";
import { ImageDecodeError } from "../imaging/errors";
import { openRaster, type DecodedRaster } from "../imaging/open-raster";
import { PngStreamEncoder } from "../imaging/png-stream";
import { pipeRaster } from "../imaging/raster-stream";
import { openR2File, readAll, type SourceFile } from "../imaging/source-file";
import { JobInputError, undecodableImage } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { FIX_TYPE_TOKENS, type FixType } from "../pricing/prices";
import type { FixResult } from "./jobs";
import type { FixParams } from "./plan";

const cost = (fixes: readonly FixType[]) => fixes.reduce((sum, f) => sum + FIX_TYPE_TOKENS[f], 0);

/** The ai_fix job: the report's stored file → the fixes, in order → a corrected file in R2. */
export async function processFix(env: Env, job: Job): Promise<JobOutput> {
  try {
    return await runFixes(env, job);
  } catch (error) {
    // A fix that refuses its input fails the job at once, with the fix's message.
    throw error instanceof FixInputError ? new JobInputError(error.message, { cause: error }) : error;
  }
}

async function runFixes(env: Env, job: Job): Promise<JobOutput> {
  const params = job.params as unknown as FixParams;
  const file = await openR2File(env.FILES, params.sourceKey);
  if (!file) throw new JobInputError("The preflight report's file is no longer stored (the report was deleted); the tokens were refunded.");
  return params.fileType === "pdf" ? fixPdf(env, job, params, await readAll(file)) : fixRaster(env, job, params, file);
}

async function fixPdf(env: Env, job: Job, params: FixParams, bytes: Uint8Array): Promise<JobOutput> {
  const started = performance.now();
  const bled = await addPdfBleed(bytes, params.bleedMm);
  // Pages that already had the bleed are left as they were: nothing was done, nothing is charged.
  const changed = bled.pages.some((p) => p.scale !== 1);
  const applied: FixType[] = changed ? ["add_bleed"] : [];
  const outputKey = jobOutputKey(job.accountId, job.id, "pdf");
  await env.FILES.put(outputKey, bled.bytes, { httpMetadata: { contentType: "application/pdf" } });
  const result: FixResult = {
    applied,
    skipped: changed ? [] : [{ fixType: "add_bleed", reason: `Every page already has ${params.bleedMm} mm of bleed.` }],
    pages: bled.pages.length,
    bleedMm: params.bleedMm,
    bytes: bled.bytes.byteLength,
    timings: { totalMs: Math.round(performance.now() - started) },
  };
  return { outputKey, outputContentType: "application/pdf", result, finalCost: cost(applied) };
}

/**
 * Streams the stored source through the fixes into a PNG in R2: the decoder
 * yields bands, each stage keeps only the rows its filter reaches, and the
 * encoder uploads parts as they fill, so no frame of the source or the
 * output is ever held (src/imaging/raster-stream.ts).
 */
async function fixRaster(env: Env, job: Job, params: FixParams, file: SourceFile): Promise<JobOutput> {
  const settings = readSettings(env);
  const { lap, timings } = stopwatch();
  let source: DecodedRaster;
  try {
    source = await openRaster(file, { maxPixels: settings.maxSourcePixels });
  } catch (error) {
    throw error instanceof ImageDecodeError ? undecodableImage(error) : error;
  }
  try {
    return await fixDecodedRaster(env, job, params, source, lap, timings);
  } finally {
    await source.close();
  }
}

async function fixDecodedRaster(env: Env, job: Job, params: FixParams, source: DecodedRaster, lap: (name: string) => void, timings: Record<string, number>): Promise<JobOutput> {
  const settings = readSettings(env);
  lap("decodeMs");
  // The report's pixel checks say whether any pixel is transparent; the header only whether one could be.
  const hasAlpha = source.info.hasAlpha && params.alphaUsed !== false;
  const image = { width: source.info.width, height: source.info.height };
  // Fixes that would change nothing are skipped and not charged.
  const skipped: FixResult["skipped"] = [];
  const fixes = params.fixTypes.filter((fix) => {
    if (fix === "remove_transparency" && !hasAlpha) {
      skipped.push({ fixType: fix, reason: "Every pixel is already opaque." });
      return false;
    }
    return true;
  }) as RasterFixType[];
  const sourcePpi = params.printPpi ?? params.targetDpi ?? 300;
  const plan = planRasterFixes({ width: image.width, height: image.height, hasAlpha }, fixes, {
    sourcePpi,
    bleedMm: params.bleedMm,
    maxOutputPixels: settings.maxOutputPixels,
  });
  const dpi = Math.round(params.targetDpi ?? plan.outputPpi);

  const outputKey = jobOutputKey(job.accountId, job.id, "png");
  // R2's smallest part: the upload holds 5 MiB of the file, not the default 8, beside a decoder's heap.
  const writer = new R2StreamWriter(env.FILES, outputKey, { httpMetadata: { contentType: "image/png" } }, MIN_PART_BYTES);
  const channels = plan.output.hasAlpha ? 4 : 3;
  const encoder = new PngStreamEncoder(plan.output.width, plan.output.height, channels, (chunk) => writer.write(chunk), [pngPhysChunk(dpi)]);
  try {
    await pipeRaster({ ...source, info: { ...source.info, hasAlpha } }, plan.stages, {
      start: () => {},
      // An opaque output's alpha is left out as the rows are filtered.
      write: (band) => encoder.writeRgbaRows(new Uint8Array(band.rows.buffer as ArrayBuffer, band.rows.byteOffset, band.rows.byteLength)),
      finish: () => encoder.finish(),
    });
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error instanceof ImageDecodeError ? undecodableImage(error) : error;
  }
  lap("fixMs");

  const applied = plan.fixes as FixType[];
  const result: FixResult = {
    applied,
    skipped,
    width: plan.output.width,
    height: plan.output.height,
    sourceWidth: image.width,
    sourceHeight: image.height,
    dpi,
    bleedPx: plan.bleedPx,
    bytes: writer.bytesWritten,
    timings,
  };
  return { outputKey, outputContentType: "image/png", result, finalCost: cost(applied) };
}
