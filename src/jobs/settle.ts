import { jobOutputPrefix, jobWorkPrefix } from "../files/keys";
import type { Env } from "../platform/env";
import { refundJob, settleJob } from "../wallet/wallet";
import { announceJobEnded } from "../webhooks/job-events";
import { findJob, markCompleted, markFailed, updateJob, type Job } from "./store";

export interface JobOutput {
  outputKey: string;
  outputContentType: string;
  result: Record<string, unknown>;
  /** Final price when it can be lower than what was held (AI fix estimates); default: all of it. */
  finalCost?: number;
}

/**
 * A job ends twice over: in the wallet (its hold is captured or refunded,
 * exactly once, decided inside the account's Durable Object) and in D1 (its
 * status). The wallet decides and D1 follows, so the two cannot disagree
 * even when a consumer and the dead-letter handler race, or a consumer dies
 * between the two writes and the job is run again.
 */
export async function completeJob(env: Env, job: Job, output: JobOutput): Promise<Job> {
  // Recorded first, so that if this consumer dies after the capture, whoever
  // ends the job next can still complete it with this output.
  await updateJob(env, job.id, { outputKey: output.outputKey, outputContentType: output.outputContentType, result: output.result });
  const hold = await settleJob(env, job.accountId, job.id, output.finalCost);
  if (hold.state === "captured") {
    const completed = await ended(
      env,
      markCompleted(env, job, { outputKey: output.outputKey, outputContentType: output.outputContentType, result: output.result, tokensCharged: hold.captured }),
    );
    return completed ?? (await findJob(env, job.id)) ?? job;
  }
  // The job was refunded meanwhile (failed by another delivery, or its hold
  // reached its deadline): its output must not be served, and the job ends
  // failed here if nobody has marked it yet.
  await env.FILES.delete(output.outputKey);
  await updateJob(env, job.id, { outputKey: null, outputContentType: null });
  return (await ended(env, markFailed(env, job, REFUNDED_BEFORE_DONE))) ?? (await findJob(env, job.id)) ?? job;
}

/**
 * A status move that may have ended the job: if this call made the move,
 * the job's webhook event goes out (after the job is final, so a webhook
 * never changes or delays its outcome).
 */
async function ended(env: Env, move: Promise<Job | undefined>): Promise<Job | undefined> {
  const job = await move;
  if (job) await announceJobEnded(env, job);
  return job;
}

export const REFUNDED_BEFORE_DONE = "The job did not finish before its tokens were refunded; no tokens were charged.";

/**
 * A refunded job's output, if a delivery stored one before it crashed, and
 * whatever its steps handed each other: never linked or served, so they
 * would only take up storage.
 */
export async function deleteJobFiles(env: Env, job: Pick<Job, "accountId" | "id">): Promise<void> {
  for (const prefix of [jobOutputPrefix(job.accountId, job.id), jobWorkPrefix(job.accountId, job.id)]) {
    const listed = await env.FILES.list({ prefix });
    if (listed.objects.length) await env.FILES.delete(listed.objects.map((o) => o.key));
  }
}

export async function failJob(env: Env, job: Job, errorMessage: string): Promise<void> {
  const hold = await refundJob(env, job.accountId, job.id, errorMessage);
  if (hold.state === "refunded") {
    await ended(env, markFailed(env, job, errorMessage));
    await deleteJobFiles(env, job);
    return;
  }
  // Captured: the work finished and was paid for before this failure path ran.
  const current = await findJob(env, job.id);
  if (current?.outputKey && current.outputContentType) {
    await ended(env, markCompleted(env, current, {
      outputKey: current.outputKey,
      outputContentType: current.outputContentType,
      result: current.result ?? {},
      tokensCharged: hold.captured,
    }));
  }
}
