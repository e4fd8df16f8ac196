import { needsModel } from "../bg-removal/cut-out";
import { prepareGuide, putModelInput } from "../bg-removal/guide";
import type { NextStage } from "../jobs/consumer";
import { stageAfter } from "../jobs/queue";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import type { AlphaSource, StickerParams } from "./jobs";

/**
 * A source's own alpha is "really used" when at least this share of its
 * pixels is less than half opaque: a logo exported on transparency, not a
 * photo whose PNG happens to have an alpha channel (or a stray clear pixel).
 */
export const OWN_ALPHA_MIN_TRANSPARENT_SHARE = 0.01;

/**
 * A sticker's first step, in the image Worker: the source decoded once into
 * the guide, as for a cut-out (src/bg-removal/guide.ts). The outline comes
 * from the source's own alpha when it has a real one (and the caller kept
 * keep_existing_alpha), else from a flat background's colour, else from the
 * model (step "segment", in the model Worker); the choice is stored with the
 * guide for the last step, which also settles the price on it.
 */
export async function prepareSticker(env: Env, job: Job): Promise<NextStage> {
  const params = job.params as StickerParams;
  let outline: AlphaSource = "model";
  const { image } = await prepareGuide(env, job, {
    countTransparent: params.keep_existing_alpha,
    decide: (prepared) => {
      if ((prepared.transparentShare ?? 0) >= OWN_ALPHA_MIN_TRANSPARENT_SHARE) outline = "own_alpha";
      else if (!needsModel(prepared.image, params)) outline = "colour_key";
      return { outline };
    },
  });
  if (outline !== "model") return { next: stageAfter(job.kind, "segment") };
  await putModelInput(env, job, image);
  return { next: "segment" };
}
