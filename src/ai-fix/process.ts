import { jobOutputKey } from "../files/keys";
import { R2StreamWriter } from "../files/r2-writer";
import { addPdfBleed } from "../fixes/bleed-pdf";
import { FixInputError } from "../fixes/errors";
import { planRasterFixes, type RasterFixType } from "../fixes/plan";
import { pngPhysChunk } from "../fixes/print-resolution";
import { pipeRaster, streamImageData, usesAlpha, type RowBand } from "../imaging/raster-stream";
import { ImageDecodeError, withDecodedImage } from "../imaging/codecs";
import { PngStreamEncoder } from "../imaging/png-stream";
import type { DecodedTiff } from "../imaging/tiff";
import { decodeTiff } from "../imaging/tiff-bands";
import { JobInputError, undecodableImage } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { yieldToRuntime } from "../platform/yield";
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
  const object = await env.FILES.get(params.sourceKey);
  if (!object) throw new JobInputError("The preflight report's file is no longer stored (the report was deleted); the tokens were refunded.");
  const bytes = new Uint8Array(await object.arrayBuffer());
  return params.fileType === "pdf" ? fixPdf(env, job, params, bytes) : fixRaster(env, job, params, bytes);
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
 * Lends the decoded source to `use`. JPEG and PNG pixels are the decoder's
 * own (for JPEG, in its wasm heap), not a copy: a 12 MP frame is 48 MB, and
 * a second one beside the resize windows would not fit in 128 MB.
 */
async function withSourceImage<T>(bytes: Uint8Array, type: FixParams["fileType"], maxPixels: number, use: (image: ImageData) => Promise<T>): Promise<T> {
  if (type === "tiff") {
    let tiff: DecodedTiff;
    try {
      tiff = await decodeTiff(bytes, { maxPixels });
    } catch (error) {
      throw undecodableImage(error);
    }
    return use(new ImageData(tiff.data, tiff.width, tiff.height));
  }
  try {
    return await withDecodedImage(bytes, type as "jpeg" | "png", use);
  } catch (error) {
    throw error instanceof ImageDecodeError ? undecodableImage(error) : error;
  }
}

/** RGBA rows as the encoder's 3-channel rows, reusing one buffer. */
function dropAlpha(band: RowBand, into: Uint8Array): Uint8Array {
  const pixels = band.width * band.height;
  const out = into.length >= pixels * 3 ? into.subarray(0, pixels * 3) : new Uint8Array(pixels * 3);
  const rows = band.rows;
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += 4, d += 3) {
    out[d] = rows[s]!;
    out[d + 1] = rows[s + 1]!;
    out[d + 2] = rows[s + 2]!;
  }
  return out;
}

async function fixRaster(env: Env, job: Job, params: FixParams, bytes: Uint8Array): Promise<JobOutput> {
  const settings = readSettings(env);
  const { lap, timings } = stopwatch();
  return withSourceImage(bytes, params.fileType, settings.maxSourcePixels, async (image) => {
    lap("decodeMs");
    await yieldToRuntime();

    // Fixes that would change nothing are skipped and not charged.
    const hasAlpha = usesAlpha(image.data);
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
    const writer = new R2StreamWriter(env.FILES, outputKey, { httpMetadata: { contentType: "image/png" } });
    const channels = plan.output.hasAlpha ? 4 : 3;
    const encoder = new PngStreamEncoder(plan.output.width, plan.output.height, channels, (chunk) => writer.write(chunk), [pngPhysChunk(dpi)]);
    let rgb: Uint8Array = new Uint8Array(0);
    try {
      await pipeRaster(streamImageData(image, { hasAlpha }), plan.stages, {
        start: () => {},
        write: async (band) => {
          if (channels === 4) return encoder.writeRows(new Uint8Array(band.rows.buffer as ArrayBuffer, band.rows.byteOffset, band.rows.byteLength));
          rgb = dropAlpha(band, rgb);
          return encoder.writeRows(rgb);
        },
        finish: () => encoder.finish(),
      });
      await writer.close();
    } catch (error) {
      await writer.abort();
      throw error;
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
  });
}
