import type { NextStage } from "../jobs/consumer";
import { stageAfter } from "../jobs/queue";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { stopwatch } from "../platform/stopwatch";
import { readModelManifest } from "./manifest";
import { runModel } from "./model";
import { getWork, putWork } from "./work-files";

/**
 * Step 2 of a background removal (src/bg-removal/stages.ts) or a sticker
 * (src/stickers/render.ts), the only one in
 * the Worker with the model runtime: the input tensor the first step made →
 * the model → its N×N mask, for the last step. Nothing here decodes or
 * encodes an image, so this isolate holds the model's heap and a few MB.
 */
export async function segmentCutOut(env: Env, job: Job): Promise<NextStage> {
  const { lap, timings } = stopwatch();
  const stored = await getWork(env, job, "input");
  if (!stored) throw new Error("the job's model input is missing; its first step must run again");
  const manifest = await readModelManifest(env);
  // A model swapped between the steps takes another input size: the first step's tensor is then of no use.
  if (Number(stored.meta.size) !== manifest.inputSize) throw new Error(`the model input is ${stored.meta.size} px, the active model takes ${manifest.inputSize} px`);
  const prediction = await runModel(env, new Float32Array(stored.bytes), manifest);
  lap("modelMs");
  await putWork(env, job, "mask", prediction.mask, { size: prediction.size, model: prediction.model, modelMs: timings.modelMs! });
  return { next: stageAfter(job.kind, "segment") };
}
