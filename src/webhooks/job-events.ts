import { toFixJobResponse } from "../ai-fix/jobs";
import { toBgRemovalResponse } from "../bg-removal/jobs";
import type { Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { emitEvent } from "./events";

/**
 * A job that just ended (this call moved it to completed or failed):
 * `bg_remove.*` with the flat job of GET /v1/services/bg-remove/{jobId},
 * `ai_job.*` with the `data` of GET /v1/services/preflight/ai-jobs/{jobId}.
 */
export async function announceJobEnded(env: Env, job: Job): Promise<void> {
  if (job.status !== "completed" && job.status !== "failed") return;
  if (job.kind === "bg_remove") {
    await emitEvent(env, job.accountId, `bg_remove.${job.status}`, (origin) => toBgRemovalResponse(env, origin, job));
  } else {
    await emitEvent(env, job.accountId, `ai_job.${job.status}`, (origin) => toFixJobResponse(env, origin, job));
  }
}
