import { SourceError, stageSource, type StagedSource } from "../files/fetch-source";
import { AreaDownsampler, fitWithin } from "../imaging/downsample";
import { ImageDecodeError } from "../imaging/errors";
import { openRaster } from "../imaging/open-raster";
import { release } from "../imaging/release";
import { sniff } from "../imaging/sniff";
import { JobInputError, undecodableImage } from "../jobs/errors";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { stopwatch } from "../platform/stopwatch";
import { yieldToRuntime } from "../platform/yield";
import { needsModel } from "./cut-out";
import { readModelManifest } from "./manifest";
import { toModelInput } from "./model-input";
import type { SubjectType } from "./schemas";
import { getWork, putWork, workKey } from "./work-files";

/**
 * The guide, and what the steps of a cut-out or a sticker hand each other
 * through it (src/bg-removal/stages.ts, src/stickers/): the source staged in
 * R2 and decoded once, band by band, into a small copy; the model's input
 * made from it; the mask the model step stores.
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
  /** Share of the source's pixels that are less than half opaque (0 for a source without alpha); null unless asked for. */
  transparentShare: number | null;
}

/**
 * The first step of a cut-out or a sticker: stage the source, decode it once
 * into the guide (counting its transparent pixels on the way when asked: a
 * pass over every full-resolution pixel only a sticker needs) and store the
 * guide with what the last step needs to decode the source again.
 */
export async function prepareGuide(
  env: Env,
  job: Job,
  options: {
    countTransparent?: boolean;
    /** Facts the next steps need, decided from the guide before it is stored with them. */
    decide?: (prepared: PreparedGuide) => Record<string, string | number>;
  } = {},
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
        if (options.countTransparent && raster.info.hasAlpha) transparent += countTransparent(band.rows);
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
    transparentShare: options.countTransparent ? transparent / (guide.sourceWidth * guide.sourceHeight) : null,
  };
  await putWork(env, job, "guide", guide.data, { ...meta, ...options.decide?.(prepared), timings: JSON.stringify(timings) });
  return prepared;
}

/** Where a cut-out's or a sticker's alpha comes from; only "model" runs the segmentation step. */
export type AlphaSource = "own_alpha" | "colour_key" | "model";

/**
 * A source's own alpha is "really used" when at least this share of its
 * pixels is less than half opaque: a logo exported on transparency, not a
 * photo whose PNG happens to have an alpha channel (or a stray clear pixel).
 */
export const OWN_ALPHA_MIN_TRANSPARENT_SHARE = 0.01;

/**
 * Prepares the guide and decides where the alpha will come from: the
 * source's own alpha when it really has one and the caller keeps it, else a
 * flat background's colour for graphics, else the model. The choice is
 * stored with the guide (as `outline`) for the last step.
 */
export async function prepareAlphaSource(
  env: Env,
  job: Job,
  params: { subject_type: SubjectType; keep_existing_alpha: boolean },
): Promise<{ prepared: PreparedGuide; source: AlphaSource }> {
  let source: AlphaSource = "model";
  const prepared = await prepareGuide(env, job, {
    countTransparent: params.keep_existing_alpha,
    decide: (guide) => {
      if ((guide.transparentShare ?? 0) >= OWN_ALPHA_MIN_TRANSPARENT_SHARE) source = "own_alpha";
      else if (!needsModel(guide.image, params)) source = "colour_key";
      return { outline: source };
    },
  });
  return { prepared, source };
}

/** The alpha source the first step stored with the guide; guides stored before it was recorded name none. */
export function storedAlphaSource(stored: Record<string, string>): AlphaSource | null {
  const value = stored.outline;
  return value === "own_alpha" || value === "colour_key" || value === "model" ? value : null;
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
