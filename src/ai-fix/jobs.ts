import { and, eq, isNull } from "drizzle-orm";
import { database, schema } from "../db/client";
import { openStored, type StagedSource } from "../files/fetch-source";
import { fileLink } from "../files/links";
import { createJob } from "../jobs/create-job";
import { findAccountJob, type Job } from "../jobs/store";
import type { Env } from "../platform/env";
import { AppError, notFound } from "../platform/errors";
import { readSettings } from "../platform/settings";
import { checkFile, deleteReport, findReportRow, getReport, type ResolvedRequirements } from "../preflight/checks";
import type { FixType } from "../pricing/prices";
import { planFix, type FixParams } from "./plan";
import type { CreateFixJob } from "./schemas";

/** What the consumer records about a finished fix (the job's `result`). */
export interface FixResult {
  applied: FixType[];
  skipped: { fixType: FixType; reason: string }[];
  [fact: string]: unknown;
}

export async function createFixJob(env: Env, accountId: string, input: CreateFixJob, chargeKey?: string): Promise<Job> {
  const report = await findReportRow(env, accountId, input.preflightReportId);
  if (!report) throw notFound("The preflight report");
  const params = planFix(report, input.options, { maxOutputPixels: readSettings(env).maxOutputPixels });
  return createJob(env, {
    accountId,
    kind: "ai_fix",
    service: "preflight-ai-fix",
    sourceUrl: report.fileUrl,
    params: params as unknown as Record<string, unknown>,
    tokens: params.estimatedTokenCost.max,
    reportId: report.id,
    chargeKey,
  });
}

export async function findFixJob(env: Env, accountId: string, jobId: string): Promise<Job> {
  const job = await findAccountJob(env, accountId, jobId, "ai_fix");
  if (!job) throw notFound("The job");
  return job;
}

/** The camelCase job of the public reference, with what a shop needs to decide. */
export async function toFixJobResponse(env: Env, origin: string, job: Job) {
  const params = job.params as unknown as FixParams;
  const result = job.result as FixResult | null;
  const ended = job.status === "completed" || job.status === "failed";
  const correctedFileUrl = job.status === "completed" && job.outputKey && job.decision !== "rejected" ? (await fileLink(env, origin, job.outputKey)).url : null;
  return {
    jobId: job.id,
    status: job.status as "analyzing" | "applying" | "completed" | "failed",
    correctedFileUrl,
    tokensDeducted: job.tokensDeducted,
    tokensCharged: ended ? (job.tokensCharged ?? 0) : null,
    tokensRefunded: ended ? job.tokensDeducted - (job.tokensCharged ?? 0) : null,
    estimatedTokenCost: params.estimatedTokenCost,
    fixTypes: params.fixTypes,
    appliedFixTypes: result?.applied ?? null,
    preflightReportId: params.reportId,
    decision: job.decision,
    approvedReportId: job.decisionReportId,
    result: job.status === "completed" ? (job.result ?? null) : null,
    errorMessage: job.errorMessage,
    createdAt: job.createdAt,
    completedAt: job.completedAt,
  };
}

function decided(job: Job, wanted: "approved" | "rejected"): void {
  if (job.status !== "completed") {
    throw new AppError("CONFLICT", `Only a completed job can be ${wanted}; this one is ${job.status}.`, { details: { status: job.status } });
  }
  if (job.decision && job.decision !== wanted) {
    throw new AppError("CONFLICT", `This job was already ${job.decision}.`, { details: { decision: job.decision } });
  }
}

/** Records a decision once: the conditional update lets only the first of two racing requests through. */
async function recordDecision(env: Env, job: Job, decision: "approved" | "rejected", reportId: string | null): Promise<boolean> {
  const t = schema.jobs;
  const rows = await database(env.DB)
    .update(t)
    .set({ decision, decidedAt: new Date().toISOString(), decisionReportId: reportId, updatedAt: new Date().toISOString() })
    .where(and(eq(t.id, job.id), eq(t.status, "completed"), isNull(t.decision)))
    .returning({ id: t.id });
  return rows.length > 0;
}

/** The corrected file, where the job stored it in R2. */
async function correctedFile(env: Env, job: Job): Promise<StagedSource> {
  const stored = job.outputKey ? await openStored(env.FILES, job.outputKey) : null;
  if (!stored) throw new AppError("CONFLICT", "The corrected file is no longer stored.");
  return stored;
}

/**
 * Approves a completed job: a fresh preflight report of the corrected file
 * (against the original report's requirements) shows whether the issues are
 * gone. Idempotent: approving again returns the same report.
 */
export async function approveFixJob(env: Env, origin: string, accountId: string, jobId: string) {
  const job = await findFixJob(env, accountId, jobId);
  decided(job, "approved");
  if (job.decision === "approved" && job.decisionReportId) return { job, report: await getReport(env, accountId, job.decisionReportId) };

  const params = job.params as unknown as FixParams;
  const original = await findReportRow(env, accountId, params.reportId);
  // Checked as a stored file like any other: read by range and band by band, with every pixel check, and
  // copied to the report's source as a stream. A corrected PDF is taken whatever its size: a bleed adds
  // little to a source that was itself within MAX_PDF_BYTES.
  const report = await checkFile(env, accountId, {
    designId: original?.designId ?? params.reportId,
    fileUrl: (await fileLink(env, origin, job.outputKey!)).url,
    requirements: (original?.requirements ?? { requiredDpi: 300, requiredColorMode: "any", bleedMm: params.bleedMm, defaulted: [] }) as unknown as ResolvedRequirements,
    source: await correctedFile(env, job),
    maxPdfBytes: Infinity,
  });
  if (await recordDecision(env, job, "approved", report.reportId)) return { job: await findFixJob(env, accountId, jobId), report };

  // Another request decided first: keep its outcome, drop this report.
  const current = await findFixJob(env, accountId, jobId);
  await deleteReport(env, accountId, report.reportId);
  decided(current, "approved");
  return { job: current, report: await getReport(env, accountId, current.decisionReportId!) };
}

/**
 * Rejects a completed job: the corrected file is deleted. The tokens stay
 * spent, because the work was done. Idempotent.
 */
export async function rejectFixJob(env: Env, accountId: string, jobId: string): Promise<Job> {
  const job = await findFixJob(env, accountId, jobId);
  decided(job, "rejected");
  if (job.decision !== "rejected" && !(await recordDecision(env, job, "rejected", null))) {
    decided(await findFixJob(env, accountId, jobId), "rejected");
  }
  if (job.outputKey) await env.FILES.delete(job.outputKey);
  return findFixJob(env, accountId, jobId);
}
