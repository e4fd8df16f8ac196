import type { Env } from "../platform/env";
import { AppError } from "../platform/errors";
import { prefixedId, randomId } from "../platform/ids";
import type { Service } from "../pricing/prices";
import { chargeForJob, holdOf, refundJob } from "../wallet/wallet";
import { KIND_STATUSES, type JobKind } from "./lifecycle";
import { queueFor, type JobMessage } from "./queue";
import { failJob } from "./settle";
import { findJob, insertJob, markQueued, type Job, type ShopperScope } from "./store";

export interface NewJob {
  accountId: string;
  kind: JobKind;
  service: Service;
  sourceUrl: string;
  params: Record<string, unknown>;
  tokens: number;
  reportId?: string;
  /**
   * Set for a request with an Idempotency-Key: what its charge is keyed by
   * (one per use of the key, src/wallet/request-log.ts), so the same request
   * never charges or creates twice.
   */
  chargeKey?: string;
  /** A storefront widget's shopper: pays within its token's cap and alone (with the account) sees the job. */
  widget?: ShopperScope & { capTokens: number | null };
}

/**
 * Charges, records and enqueues a job. Order matters for money:
 * 1. debit (402 here, nothing else written);
 * 2. insert the job row;
 * 3. enqueue; if the queue refuses, the job fails and is refunded before the
 *    caller hears 503, so an accepted job is always on the queue.
 * A 5xx ends the attempt: a retry with the same Idempotency-Key is charged
 * afresh (src/middleware/idempotency.ts), never given the refunded charge.
 */
export async function createJob(env: Env, input: NewJob): Promise<Job> {
  let jobId = input.kind === "bg_remove" ? randomId() : prefixedId(input.kind === "sticker" ? "stk" : "job");
  const charge = await chargeForJob(env, {
    accountId: input.accountId,
    service: input.service,
    jobId,
    tokens: input.tokens,
    idempotencyKey: input.chargeKey ?? jobId,
    widget: input.widget ? { tokenId: input.widget.tokenId, capTokens: input.widget.capTokens } : undefined,
  });
  if (charge.replayed) {
    // The same request was charged before and died (its Idempotency-Key's
    // lease was taken over): carry its job on, or say honestly where it is.
    jobId = charge.entry.jobId ?? jobId;
    const existing = await findJob(env, jobId);
    if (existing) return existing.status === KIND_STATUSES[input.kind].created ? enqueue(env, existing) : existing;
    const hold = await holdOf(env, input.accountId, jobId);
    if (hold?.state !== "held") {
      // Its charge ended without a job (refunded at its deadline): a refunded
      // charge is never reused. A 5xx drops the key, so the retry charges afresh.
      throw new AppError("SERVICE_UNAVAILABLE", "An earlier attempt of this request was refunded; please retry.");
    }
  }

  const now = new Date().toISOString();
  const job: Job = {
    id: jobId,
    accountId: input.accountId,
    kind: input.kind,
    status: KIND_STATUSES[input.kind].created,
    sourceUrl: input.sourceUrl,
    params: input.params,
    result: null,
    outputKey: null,
    outputContentType: null,
    tokensDeducted: input.tokens,
    tokensCharged: null,
    walletTransactionId: charge.entry.id,
    errorMessage: null,
    attempts: 0,
    reportId: input.reportId ?? null,
    decision: null,
    decidedAt: null,
    decisionReportId: null,
    shopperRef: input.widget?.shopperRef ?? null,
    widgetTokenId: input.widget?.tokenId ?? null,
    createdAt: now,
    startedAt: null,
    completedAt: null,
    updatedAt: now,
  };
  try {
    await insertJob(env, job);
  } catch (error) {
    await refundJob(env, input.accountId, jobId, "The job could not be recorded.");
    throw new AppError("SERVICE_UNAVAILABLE", "The job could not be recorded; no tokens were taken. Please retry.", { cause: error });
  }

  return enqueue(env, job);
}

/** Puts a recorded job on its queue; if the queue refuses, the job fails and is refunded before the caller hears 503. */
async function enqueue(env: Env, job: Job): Promise<Job> {
  const message: JobMessage = { jobId: job.id, accountId: job.accountId, kind: job.kind };
  try {
    await queueFor(env, job.kind).send(message);
  } catch (error) {
    await failJob(env, job, "The job could not be queued; the tokens were refunded.");
    throw new AppError("SERVICE_UNAVAILABLE", "The job could not be queued; the tokens were refunded. Please retry.", { cause: error });
  }
  return (await markQueued(env, job)) ?? (await findJob(env, job.id)) ?? job;
}
