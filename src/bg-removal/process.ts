import { fetchSource, SourceError } from "../files/fetch-source";
import { R2StreamWriter } from "../files/r2-writer";
import { jobOutputKey } from "../files/keys";
import { ImageDecodeError, type RasterType, withDecodedImage } from "../imaging/codecs";
import { sniff } from "../imaging/sniff";
import { readJpegHeader } from "../preflight/raster/jpeg";
import { JobInputError, undecodableImage } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { yieldToRuntime } from "../platform/yield";
import { writeCutOutPng } from "./composite";
import { cutOut } from "./cut-out";
import type { BgRemovalParams } from "./jobs";
import { release } from "../imaging/release";
import { predictForeground } from "./model";

const RASTER_TYPES: readonly string[] = ["jpeg", "png", "webp"];

export interface SourceFile {
  bytes: Uint8Array;
  type: RasterType;
}

/** Fetches and checks a job's source image (type, and pixel count from the header); every way it can be unusable is a JobInputError. */
export async function fetchSourceImage(env: Env, sourceUrl: string): Promise<SourceFile> {
  const settings = readSettings(env);
  let bytes: Uint8Array;
  try {
    ({ bytes } = await fetchSource(env, sourceUrl, { maxBytes: settings.maxSourceBytes, timeoutMs: settings.fetchTimeoutMs }));
  } catch (error) {
    if (error instanceof SourceError) throw new JobInputError(error.message, { cause: error });
    throw error;
  }
  const sniffed = sniff(bytes);
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
  if (sniffed.type === "jpeg") {
    // mozjpeg decodes a cut-off JPEG with grey where the rest should be; a
    // cut-out of that is not worth its tokens. Preflight calls it damaged too.
    const damage = jpegDamage(bytes);
    if (damage) throw new JobInputError(`The JPEG is damaged (${damage}); send the whole file.`);
  }
  return { bytes, type: sniffed.type as RasterType };
}

function jpegDamage(bytes: Uint8Array): string | null {
  try {
    return readJpegHeader(bytes).damage;
  } catch (error) {
    return error instanceof Error ? error.message : "its structure cannot be read";
  }
}

/**
 * R2's smallest multipart part: the output PNG is uploaded while it is being
 * encoded, so no more than this much of the file is ever held.
 */
const OUTPUT_PART_BYTES = 5 * 1024 * 1024;

/**
 * The bg_remove job: source → segmentation → matte → PNG in R2, at the
 * source's full resolution, laid out for a 128 MB isolate (docs/background-removal.md,
 * "Speed and memory"). Held at the peak: the decoded RGBA frame (in the decoder's
 * heap, not copied), ORT's heap and one model stage's files while its
 * session is created; after the model, the frame, the 8-bit alpha, one strip
 * of output and one part of the upload. Big buffers are freed as soon as
 * they are done with.
 */
export async function processBgRemoval(env: Env, job: Job): Promise<JobOutput> {
  const params = job.params as BgRemovalParams;
  const { lap, timings } = stopwatch();
  const source = await fetchSourceImage(env, job.sourceUrl);
  try {
    return await withDecodedImage(source.bytes, source.type, async (image) => {
      // The decoder keeps what it needs; the file itself (up to MAX_SOURCE_BYTES) is not needed past this point.
      release(source.bytes);
      lap("decodeMs");
      await yieldToRuntime();
      const { width, height } = image;
      let alpha: Uint8Array | null = null;
      try {
        const cut = await cutOut(image, params, async (img) => {
          const prediction = await predictForeground(env, img);
          lap("modelMs");
          return prediction;
        });
        alpha = cut.alpha;
        lap("matteMs");
        const outputKey = jobOutputKey(job.accountId, job.id, "png");
        const output = new R2StreamWriter(env.FILES, outputKey, { httpMetadata: { contentType: "image/png" } }, OUTPUT_PART_BYTES);
        let bytes: number;
        try {
          await writeCutOutPng(image, alpha, params.output_background, (chunk) => output.write(chunk));
          lap("encodeMs");
          bytes = await output.close();
          lap("storeMs");
        } catch (error) {
          await output.abort();
          throw error;
        }
        return { outputKey, outputContentType: "image/png", result: { width, height, bytes, matte: cut.method, timings } };
      } finally {
        release(alpha);
      }
    });
  } catch (error) {
    if (error instanceof ImageDecodeError) throw undecodableImage(error);
    throw error;
  } finally {
    release(source.bytes);
  }
}
