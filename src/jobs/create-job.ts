import type { Env } from "../platform/env";
import { AppError } from "../platform/errors";
import { prefixedId, randomId } from "../platform/ids";
import type { Service } from "../wallet/pricing";
import { chargeForJob, refundJob } from "../wallet/wallet";
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
  /** The request's Idempotency-Key: the same key never charges or creates twice. */
  idempotencyKey?: string;
  /** A storefront widget's shopper: pays within its token's cap and alone (with the account) sees the job. */
  widget?: ShopperScope & { capTokens: number | null };
}

/**
 * Charges, records and enqueues a job. Order matters for money:
 * 1. debit (402 here, nothing else written);
 * 2. insert the job row;
 * 3. enqueue; if the queue refuses, the job fails and is refunded before the
 *    caller hears 503, so an accepted job is always on the queue.
 */
export async function createJob(env: Env, input: NewJob): Promise<Job> {
  let jobId = input.kind === "bg_remove" ? randomId() : prefixedId("job");
  const charge = await chargeForJob(env, {
    accountId: input.accountId,
    service: input.service,
    jobId,
    tokens: input.tokens,
    idempotencyKey: input.idempotencyKey ? `request:${input.idempotencyKey}` : jobId,
    widget: input.widget ? { tokenId: input.widget.tokenId, capTokens: input.widget.capTokens } : undefined,
  });
  if (charge.replayed) {
    // The same request was charged before: continue with (or return) its job.
    jobId = charge.entry.jobId ?? jobId;
    const existing = await findJob(env, jobId);
    if (existing) return existing;
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

  const message: JobMessage = { jobId, accountId: input.accountId, kind: input.kind };
  try {
    await queueFor(env, input.kind).send(message);
  } catch (error) {
    await failJob(env, job, "The job could not be queued; the tokens were refunded.");
    throw new AppError("SERVICE_UNAVAILABLE", "The job could not be queued; the tokens were refunded. Please retry.", { cause: error });
  }
  return (await markQueued(env, job)) ?? (await findJob(env, jobId)) ?? job;
}
