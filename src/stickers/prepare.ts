import { prepareAlphaSource, putModelInput } from "../bg-removal/guide";
import type { NextStage } from "../jobs/consumer";
import { stageAfter } from "../jobs/queue";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import type { StickerParams } from "./jobs";

/**
 * A sticker's first step, in the image Worker: the source decoded once into
 * the guide, as for a cut-out (src/bg-removal/guide.ts). The outline comes
 * from the source's own alpha when it has a real one (and the caller kept
 * keep_existing_alpha), else from a flat background's colour, else from the
 * model (step "segment", in the model Worker); the choice is stored with the
 * guide for the last step, which also settles the price on it.
 */
export async function prepareSticker(env: Env, job: Job): Promise<NextStage> {
  const { prepared, source } = await prepareAlphaSource(env, job, job.params as StickerParams);
  if (source !== "model") return { next: stageAfter(job.kind, "segment") };
  await putModelInput(env, job, prepared.image);
  return { next: "segment" };
}
