import { and, eq, lt, notInArray } from "drizzle-orm";
import { database, schema } from "../db/client";
import { failJob } from "../jobs/settle";
import { FINAL_STATUSES } from "../jobs/lifecycle";
import { findJob } from "../jobs/store";
import type { Env } from "../platform/env";
import { readSettings } from "../platform/settings";
import { walletOf } from "../wallet/wallet";
import { resendLostDeliveries } from "../webhooks/deliver";

/**
 * The sweeper, run by the API Worker's Cron Trigger (wrangler.toml
 * `[triggers] crons`; `npm run dev` runs it every minute locally). It ends
 * what nothing else will:
 * 1. jobs still unfinished past their deadline (JOB_DEADLINE_SECONDS after
 *    creation) fail with a clear message; their holds are refunded and any
 *    stored output deleted (failJob), or, if their charge was captured before
 *    the consumer died, they complete from their stored output;
 * 2. holds the D1 mirror shows open past the deadline without a job to end
 *    them (a Worker died between the debit and the job row): the account's
 *    wallet refunds them (it keeps each hold's deadline itself and sets its
 *    alarm for it; this is the net under that alarm), and pushes to D1 any
 *    entries it had not;
 * 3. uploads older than UPLOAD_RETENTION_DAYS are deleted from R2, and
 *    files a job's steps handed each other (work/) older than the job
 *    deadline (a job deletes its own when it ends; these are a duplicate
 *    delivery's late writes);
 * 4. webhook deliveries whose queue message was lost (still pending long
 *    after their attempt was due) are sent again.
 * Each step is bounded per run; what is left waits for the next run.
 */
export interface SweepReport {
  jobsFailed: string[];
  holdsRefunded: string[];
  uploadsDeleted: number;
  workFilesDeleted: number;
  webhookDeliveriesResent: number;
}

export const JOB_BATCH = 100;
const ACCOUNT_BATCH = 50;
const UPLOAD_PAGES = 10;
/** How far back debits are looked at: a run every few minutes sees each one many times within it. */
const OPEN_DEBIT_LOOKBACK_MS = 2 * 24 * 3600 * 1000;
const UPLOADS = { prefix: "uploads/", cursor: "uploads-cursor" };
const WORK_FILES = { prefix: "work/", cursor: "work-cursor" };

export function jobDeadlineMessage(deadlineSeconds: number): string {
  return `The job did not finish within ${Math.round(deadlineSeconds / 60)} minutes; its tokens were refunded.`;
}

export async function sweep(env: Env, nowMs = Date.now()): Promise<SweepReport> {
  const settings = readSettings(env);
  const cutoff = nowMs - settings.jobDeadlineSeconds * 1000;
  const message = jobDeadlineMessage(settings.jobDeadlineSeconds);
  const jobsFailed = await failOverdueJobs(env, new Date(cutoff).toISOString(), message);
  const holdsRefunded = await expireOpenHolds(env, cutoff, message);
  const uploadsDeleted = await deleteOlderThan(env, UPLOADS, nowMs - settings.uploadRetentionDays * 24 * 3600 * 1000);
  const workFilesDeleted = await deleteOlderThan(env, WORK_FILES, cutoff);
  const webhookDeliveriesResent = await resendLostDeliveries(env, nowMs);
  return { jobsFailed, holdsRefunded, uploadsDeleted, workFilesDeleted, webhookDeliveriesResent };
}

async function failOverdueJobs(env: Env, cutoffIso: string, message: string): Promise<string[]> {
  const t = schema.jobs;
  const overdue = await database(env.DB)
    .select()
    .from(t)
    .where(and(notInArray(t.status, [...FINAL_STATUSES]), lt(t.createdAt, cutoffIso)))
    .limit(JOB_BATCH);
  const failed: string[] = [];
  for (const job of overdue) {
    try {
      await failJob(env, job, message);
      failed.push(job.id);
    } catch (error) {
      // One account's wallet or row failing must not stop the others; the next run tries again.
      console.error(`sweeper: could not end job ${job.id}`, error);
    }
  }
  return failed;
}

async function expireOpenHolds(env: Env, cutoffMs: number, message: string): Promise<string[]> {
  const { results } = await env.DB.prepare(
    `SELECT DISTINCT d.account_id AS accountId FROM wallet_transactions d
      WHERE d.type = 'debit' AND d.created_at < ?1 AND d.created_at >= ?2
        AND NOT EXISTS (SELECT 1 FROM wallet_transactions e
                         WHERE e.account_id = d.account_id AND e.job_id = d.job_id AND e.type IN ('capture', 'refund'))
      LIMIT ?3`,
  )
    .bind(new Date(cutoffMs).toISOString(), new Date(cutoffMs - OPEN_DEBIT_LOOKBACK_MS).toISOString(), ACCOUNT_BATCH)
    .all<{ accountId: string }>();
  const refunded: string[] = [];
  for (const { accountId } of results) {
    try {
      const { expired } = await walletOf(env, accountId).sweep();
      for (const jobId of expired) {
        refunded.push(jobId);
        // A job row, if one was written after all, follows its refunded hold.
        const job = await findJob(env, jobId);
        if (job) await failJob(env, job, message);
      }
    } catch (error) {
      console.error(`sweeper: could not sweep the wallet of ${accountId}`, error);
    }
  }
  return refunded;
}

/**
 * Walks the objects under `prefix` a few pages a run, going on where the
 * last run stopped (R2 lists keys in order, and these keys are not in time
 * order), and deletes those uploaded before `cutoffMs`.
 */
async function deleteOlderThan(env: Env, where: { prefix: string; cursor: string }, cutoffMs: number): Promise<number> {
  const db = database(env.DB);
  const state = schema.sweeperState;
  let cursor = (await db.select().from(state).where(eq(state.name, where.cursor)).get())?.value;
  let deleted = 0;
  for (let page = 0; page < UPLOAD_PAGES; page++) {
    const listed = await env.FILES.list({ prefix: where.prefix, cursor, limit: 1000 });
    const expired = listed.objects.filter((o) => o.uploaded.getTime() < cutoffMs).map((o) => o.key);
    if (expired.length) await env.FILES.delete(expired);
    deleted += expired.length;
    cursor = listed.truncated ? listed.cursor : undefined;
    if (!cursor) break;
  }
  const now = new Date(Date.now()).toISOString();
  if (cursor) {
    await db.insert(state).values({ name: where.cursor, value: cursor, updatedAt: now }).onConflictDoUpdate({ target: state.name, set: { value: cursor, updatedAt: now } });
  } else {
    await db.delete(state).where(eq(state.name, where.cursor));
  }
  return deleted;
}
