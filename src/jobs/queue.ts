import { z } from "zod";
import type { Env } from "../platform/env";
import { JOB_KINDS, type JobKind } from "./lifecycle";

/** The body of a job message on a job queue (and on the dead-letter queue). */
export const JobMessage = z.object({
  jobId: z.string().min(1).max(64),
  accountId: z.string().min(1).max(64),
  kind: z.enum(JOB_KINDS),
  /** The step of a job that runs in several (absent: the kind's first). */
  stage: z.string().min(1).max(32).optional(),
});
export type JobMessage = z.infer<typeof JobMessage>;

/** Deliveries of one message before it goes to the dead-letter queue (max_retries + 1 in the consumers' configs). */
export const MAX_JOB_ATTEMPTS = 4;

export const DEAD_LETTER_QUEUE = "printcart-jobs-dlq";

/**
 * Each step of a job runs in the consumer Worker that has what it needs and
 * nothing more, so an isolate never holds two big things at once. An
 * isolate that ran the model keeps onnxruntime's wasm heap for good (92.5 MB
 * at rest), so decoding and encoding never happen there: a background
 * removal is decoded into a small guide image by the AI fix Worker
 * (printcart-fix-jobs, wrangler.fixes.toml), segmented from that by the
 * background removal Worker (printcart-jobs, wrangler.consumer.toml), and
 * composited at full resolution, band by band from a second decode, back in
 * the AI fix Worker. The steps hand over through R2 (src/bg-removal/stages.ts).
 */
const STAGE_QUEUES = {
  bg_remove: { prepare: "FIX_JOBS", segment: "JOBS", composite: "FIX_JOBS" },
  ai_fix: { fix: "FIX_JOBS" },
  // A sticker starts as a cut-out does (the same first two steps), then its
  // last step traces the cut line and writes the PNG, SVG and PDF.
  sticker: { prepare: "FIX_JOBS", segment: "JOBS", render: "FIX_JOBS" },
} as const satisfies Record<JobKind, Record<string, keyof Env>>;

/** A kind's first step: where a new job's message goes. */
export function firstStage(kind: JobKind): string {
  return Object.keys(STAGE_QUEUES[kind])[0]!;
}

/** The step that follows `stage` in a kind's order (the order STAGE_QUEUES lists them in). */
export function stageAfter(kind: JobKind, stage: string): string {
  const stages = Object.keys(STAGE_QUEUES[kind]);
  const next = stages[stages.indexOf(stage) + 1];
  if (!isStageOf(kind, stage) || !next) throw new Error(`${kind} jobs have no step after "${stage}"`);
  return next;
}

export function isStageOf(kind: JobKind, stage: string): boolean {
  return Object.hasOwn(STAGE_QUEUES[kind], stage);
}

/** The queue a step of a job is sent to, typed with the message this layer sends (the binding takes any body: src/platform/env.ts). */
export function queueFor(env: Env, kind: JobKind, stage = firstStage(kind)): Queue<JobMessage> {
  const binding = (STAGE_QUEUES[kind] as Record<string, keyof Env>)[stage];
  if (!binding) throw new Error(`${kind} jobs have no step "${stage}"`);
  return env[binding] as Queue<JobMessage>;
}
