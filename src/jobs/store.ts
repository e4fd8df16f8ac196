import { and, eq, inArray } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { KIND_STATUSES, startableStatuses, type JobStatus } from "./lifecycle";

export type Job = typeof schema.jobs.$inferSelect;
export type NewJobRow = typeof schema.jobs.$inferInsert;

const now = () => new Date().toISOString();

export async function insertJob(env: Env, row: NewJobRow): Promise<void> {
  await database(env.DB).insert(schema.jobs).values(row).onConflictDoNothing();
}

export async function findJob(env: Env, jobId: string): Promise<Job | undefined> {
  return database(env.DB).query.jobs.findFirst({ where: eq(schema.jobs.id, jobId) });
}

/**
 * A storefront shopper, as a widget token identifies one: jobs created with
 * the token record both; another token sees them if it carries the same
 * shopper reference, or, for a token without one, only the token itself.
 */
export interface ShopperScope {
  tokenId: string;
  shopperRef: string | null;
}

/**
 * Another account's job is reported as missing, never as forbidden; so is,
 * for a widget caller (`shopper`), another shopper's job.
 */
export async function findAccountJob(env: Env, accountId: string, jobId: string, kind: Job["kind"], shopper?: ShopperScope): Promise<Job | undefined> {
  const t = schema.jobs;
  const visible = shopper && (shopper.shopperRef !== null ? eq(t.shopperRef, shopper.shopperRef) : eq(t.widgetTokenId, shopper.tokenId));
  return database(env.DB).query.jobs.findFirst({
    where: and(eq(t.id, jobId), eq(t.accountId, accountId), eq(t.kind, kind), visible),
  });
}

/**
 * Every write below is a conditional update (`WHERE status IN (...)`) with
 * RETURNING: when two consumers or a consumer and the dead-letter handler
 * race, only one moves the job, and the other sees no row and stops.
 */
async function moveJob(env: Env, jobId: string, from: JobStatus[], set: Partial<Job>): Promise<Job | undefined> {
  const rows = await database(env.DB)
    .update(schema.jobs)
    .set({ ...set, updatedAt: now() })
    .where(and(eq(schema.jobs.id, jobId), inArray(schema.jobs.status, from)))
    .returning();
  return rows[0];
}

export async function markQueued(env: Env, job: Job): Promise<Job | undefined> {
  const s = KIND_STATUSES[job.kind];
  return moveJob(env, job.id, [s.created], { status: s.queued });
}

export async function markRunning(env: Env, job: Job): Promise<Job | undefined> {
  return moveJob(env, job.id, startableStatuses(job.kind), {
    status: KIND_STATUSES[job.kind].running,
    attempts: job.attempts + 1,
    startedAt: job.startedAt ?? now(),
  });
}

export async function markCompleted(
  env: Env,
  job: Job,
  output: { outputKey: string; outputContentType: string; result: Record<string, unknown>; tokensCharged: number },
): Promise<Job | undefined> {
  return moveJob(env, job.id, startableStatuses(job.kind), { status: "completed", ...output, completedAt: now(), errorMessage: null });
}

export async function markFailed(env: Env, job: Job, errorMessage: string): Promise<Job | undefined> {
  return moveJob(env, job.id, startableStatuses(job.kind), {
    status: "failed",
    errorMessage: errorMessage.slice(0, 1000),
    completedAt: now(),
    tokensCharged: 0,
  });
}

export async function updateJob(env: Env, jobId: string, set: Partial<Job>): Promise<void> {
  await database(env.DB).update(schema.jobs).set({ ...set, updatedAt: now() }).where(eq(schema.jobs.id, jobId));
}
