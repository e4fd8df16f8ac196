import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { emitEvent } from "./events";

/**
 * A job that just ended (this call moved it to completed or failed):
 * `bg_remove.*`, `sticker.*` or `ai_job.*`, whose `data` the API Worker renders from the
 * job (src/webhooks/deliver.ts), so the consumer Workers that end jobs carry
 * no other kind's code.
 */
export async function announceJobEnded(env: Env, job: Job): Promise<void> {
  if (job.status !== "completed" && job.status !== "failed") return;
  const type = job.kind === "ai_fix" ? (`ai_job.${job.status}` as const) : (`${job.kind}.${job.status}` as const);
  await emitEvent(env, job.accountId, type, { resource: { job: job.id } });
}
