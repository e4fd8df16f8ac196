import { fetchSource, SourceError } from "../files/fetch-source";
import { jobOutputKey } from "../files/keys";
import { decodeImage, encodePng, type RasterType } from "../imaging/codecs";
import { sniff } from "../imaging/sniff";
import { JobInputError } from "../jobs/errors";
import type { JobOutput } from "../jobs/settle";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { yieldToRuntime } from "../platform/yield";
import { cutOut } from "./cut-out";
import type { BgRemovalParams } from "./jobs";
import { predictForeground } from "./model";

const RASTER_TYPES: readonly string[] = ["jpeg", "png", "webp"];

/** Fetches, checks and decodes a job's source image; every way it can be unusable is a JobInputError. */
export async function loadSourceImage(env: Env, sourceUrl: string): Promise<ImageData> {
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
  if (pixels > settings.maxSourcePixels) {
    throw new JobInputError(
      `The image is ${sniffed.width}×${sniffed.height} (${(pixels / 1e6).toFixed(1)} MP), over the ${(settings.maxSourcePixels / 1e6).toFixed(1)} MP limit (MAX_SOURCE_PIXELS).`,
    );
  }
  try {
    return await decodeImage(bytes, sniffed.type as RasterType);
  } catch (error) {
    throw new JobInputError("The image could not be decoded; the file may be truncated or damaged.", { cause: error });
  }
}

/** The bg_remove job: source → segmentation → matte → PNG in R2, at the source's full resolution. */
export async function processBgRemoval(env: Env, job: Job): Promise<JobOutput> {
  const params = job.params as BgRemovalParams;
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - mark);
    mark = now;
  };
  const image = await loadSourceImage(env, job.sourceUrl);
  lap("decodeMs");
  await yieldToRuntime();
  const { width, height } = image;
  const cut = await cutOut(image, params, async (img) => {
    const prediction = await predictForeground(env, img);
    lap("modelMs");
    return prediction;
  });
  lap("matteMs");
  const png = await encodePng(image);
  lap("encodeMs");
  const outputKey = jobOutputKey(job.accountId, job.id, "png");
  await env.FILES.put(outputKey, png, { httpMetadata: { contentType: "image/png" } });
  lap("storeMs");
  return {
    outputKey,
    outputContentType: "image/png",
    result: { width, height, bytes: png.byteLength, matte: cut.method, timings },
  };
}
