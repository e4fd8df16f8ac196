import { z } from "zod";
import type { Env } from "../platform/env";
import { JOB_KINDS, type JobKind } from "./lifecycle";

/** The body of a job message on a job queue (and on the dead-letter queue). */
export const JobMessage = z.object({
  jobId: z.string().min(1).max(64),
  accountId: z.string().min(1).max(64),
  kind: z.enum(JOB_KINDS),
});
export type JobMessage = z.infer<typeof JobMessage>;

/** Deliveries of one message before it goes to the dead-letter queue (max_retries + 1 in the consumers' configs). */
export const MAX_JOB_ATTEMPTS = 4;

export const DEAD_LETTER_QUEUE = "printcart-jobs-dlq";

/**
 * Each job kind has a queue and a consumer Worker of its own, so an isolate
 * only ever runs one kind: an isolate that ran a background removal keeps
 * onnxruntime's wasm heap for good (92.5 MB at rest), and a 12 MP fix job on
 * top of it would pass the 128 MB limit. Background removals go to
 * printcart-jobs (wrangler.consumer.toml), AI fix jobs to printcart-fix-jobs
 * (wrangler.fixes.toml).
 */
const QUEUE_BINDINGS = { bg_remove: "JOBS", ai_fix: "FIX_JOBS" } as const satisfies Record<JobKind, keyof Env>;

/** The queue a job of this kind is sent to, typed with the message this layer sends (the binding takes any body: src/platform/env.ts). */
export function queueFor(env: Env, kind: JobKind): Queue<JobMessage> {
  return env[QUEUE_BINDINGS[kind]];
}
