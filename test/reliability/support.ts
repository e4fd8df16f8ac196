// Shared by the load and fault tests: queue deliveries by hand, waiting for
// the queue to drain, and the money checks every job must pass.
import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, inject } from "vitest";
import { findJob, type Job } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import type { LedgerEntry } from "../../src/wallet/ledger";
import { walletOf } from "../../src/wallet/wallet";
import { api, apiCaller, type ApiCaller } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import worker from "../helpers/test-worker";
import { expectLedgerConsistent } from "../helpers/wallet";

type Caller = ApiCaller;

/**
 * api() of test/helpers/api.ts, but calling the test Worker's fetch handler
 * directly in this test's I/O context: the same handler with the same real
 * bindings (D1, Durable Objects, Queues, R2), without going through the
 * harness's `exports` binding. The load test needs that: in this harness each
 * call through `exports.default` imports the Worker module again through Vite
 * inside the runner object, at a cost that grows with every call made before
 * it (200 health checks take 1 s at first and 50 s after 800 others), which
 * would measure the harness instead of the service.
 */
export const callWorker: ApiCaller = apiCaller(async (request) => {
  const ctx = createExecutionContext();
  const response = await worker.fetch(request, env as Env, ctx);
  const text = await response.text();
  await waitOnExecutionContext(ctx);
  return { response, text };
});

/** Delivers a message to the Worker's queue handler directly, as the Queues runtime would (a duplicate delivery). */
export async function deliver(queue: string, body: unknown, attempts = 1) {
  const batch = createMessageBatch(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch, env as Env, ctx);
  return getQueueResult(batch, ctx);
}

export type JobRow = Pick<Job, "id" | "accountId" | "kind" | "status" | "tokensDeducted" | "tokensCharged" | "errorMessage" | "attempts">;

/** The accounts' jobs, straight from D1. */
export async function jobsOf(accountIds: string[]): Promise<JobRow[]> {
  if (accountIds.length === 0) return [];
  const rows = await env.DB.prepare(
    `SELECT id, account_id AS accountId, kind, status, tokens_deducted AS tokensDeducted, tokens_charged AS tokensCharged,
            error_message AS errorMessage, attempts
       FROM jobs WHERE account_id IN (${accountIds.map(() => "?").join(",")})`,
  )
    .bind(...accountIds)
    .all<JobRow>();
  return rows.results;
}

/**
 * Polls D1 until every job of the accounts is completed or failed (the queue
 * consumer runs in the same runtime). Fails, naming the stuck jobs, after
 * `timeoutMs`. Returns the final rows and how long the drain took.
 */
export async function waitForDrain(accountIds: string[], timeoutMs: number): Promise<{ jobs: JobRow[]; ms: number }> {
  const started = Date.now();
  for (;;) {
    const jobs = await jobsOf(accountIds);
    const open = jobs.filter((j) => j.status !== "completed" && j.status !== "failed");
    if (open.length === 0) return { jobs, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${open.length} of ${jobs.length} jobs still unfinished after ${timeoutMs} ms: ${JSON.stringify(open.slice(0, 5))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/**
 * Waits until the job queue has handled every message sent before this call.
 * The local queue (Miniflare's broker) hands the consumer one batch at a time
 * and waits for it, with max_batch_size 1, so once a job created now has
 * ended, everything queued before it has been delivered and handled. Retries
 * still waiting out their delay are not covered. The `sentinel` account pays
 * for the job, which fails on its 404 source and is refunded.
 */
export async function queueCaughtUp(sentinel: { token: string }, timeoutMs = 60_000): Promise<void> {
  const created = await api("/v1/services/bg-remove", { token: sentinel.token, body: { image_url: fixtureUrl("404", "status") } });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  const started = Date.now();
  for (;;) {
    const job = await findJob(env as Env, created.body.job_id);
    if (job?.status === "failed") return;
    if (Date.now() - started > timeoutMs) throw new Error(`the queue did not reach a job sent ${timeoutMs} ms ago: ${JSON.stringify(job)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Every transaction of the caller, through the public API (newest first, 100 a page). Returns the requests it took too. */
export async function publicLedger(token: string, call: Caller = api): Promise<{ balance: number; held: number; transactions: any[]; requests: number }> {
  const wallet = await call("/v1/wallet", { token });
  expect(wallet.status).toBe(200);
  const transactions: any[] = [];
  let requests = 1;
  let cursor: string | null = null;
  do {
    const page = await call(`/v1/wallet/transactions?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token });
    requests += 1;
    expect(page.status).toBe(200);
    transactions.push(...page.body.data);
    cursor = page.body.meta.nextCursor;
  } while (cursor);
  return { balance: wallet.body.data.balance, held: wallet.body.data.held, transactions, requests };
}

/**
 * The ledger invariant as a caller sees it, then on the Durable Object and
 * its D1 mirror (expectLedgerConsistent): the balance is the sum of the
 * transactions, nothing is negative, ids run TX-1..n without gaps, and with
 * the queue drained nothing is left on hold.
 */
export async function expectWalletBalanced(account: { id: string; token: string }, call: Caller = api): Promise<{ balance: number; entries: LedgerEntry[]; requests: number }> {
  const seen = await publicLedger(account.token, call);
  expect(seen.transactions.reduce((sum, t) => sum + t.amount, 0)).toBe(seen.balance);
  expect(seen.balance).toBeGreaterThanOrEqual(0);
  expect(seen.held).toBe(0);
  for (const t of seen.transactions) expect(t.balanceAfter).toBeGreaterThanOrEqual(0);
  const n = seen.transactions.length;
  expect(seen.transactions.map((t) => t.id)).toEqual(Array.from({ length: n }, (_, i) => `TX-${String(n - i).padStart(5, "0")}`));
  expect(await expectLedgerConsistent(account.id)).toEqual({ balance: seen.balance, held: 0 });
  return { balance: seen.balance, entries: await walletOf(env, account.id).entries(), requests: seen.requests };
}

/**
 * Each job was paid for exactly once and ended once, and the wallet agrees
 * with D1: one debit of what the job says it deducted; a failed job one
 * refund of all of it and no capture; a completed job one capture of what it
 * says it charged, plus (an AI fix settled below its estimate) one refund of
 * the difference. No ledger entry names a job that does not exist.
 */
export function expectJobsSettledOnce(jobs: JobRow[], entries: LedgerEntry[]): { completed: number; failed: number } {
  const byJob = new Map<string, LedgerEntry[]>();
  for (const e of entries) if (e.jobId) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e]);
  expect([...byJob.keys()].sort()).toEqual(jobs.map((j) => j.id).sort());
  let completed = 0;
  let failed = 0;
  for (const job of jobs) {
    const own = byJob.get(job.id) ?? [];
    const of = (type: string) => own.filter((e) => e.type === type);
    const context = `${job.kind} job ${job.id} (${job.status}, ${job.errorMessage ?? "no error"}): ${JSON.stringify(own.map((e) => [e.type, e.amount, e.heldDelta]))}`;
    expect(of("debit").map((e) => e.heldDelta), context).toEqual([job.tokensDeducted]);
    if (job.status === "failed") {
      failed += 1;
      expect(of("refund").map((e) => e.amount), context).toEqual([job.tokensDeducted]);
      expect(of("capture"), context).toEqual([]);
      expect(job.tokensCharged, context).toBe(0);
    } else {
      expect(job.status, context).toBe("completed");
      completed += 1;
      expect(of("capture").map((e) => -e.heldDelta), context).toEqual([job.tokensCharged]);
      const difference = job.tokensDeducted - job.tokensCharged!;
      expect(of("refund").map((e) => e.amount), context).toEqual(difference > 0 ? [difference] : []);
    }
    expect(own.length, context).toBe(of("debit").length + of("refund").length + of("capture").length);
  }
  return { completed, failed };
}

/** The URL, after checking that it points at this machine (127.0.0.0/8 or [::1]): the suite never reaches further. */
export function loopback(url: string): string {
  const host = new URL(url).hostname;
  if (!/^127(\.\d{1,3}){3}$/.test(host) && host !== "[::1]") throw new Error(`not a loopback URL: ${url}`);
  return url;
}

/** Nearest-rank percentile of unsorted numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Stores a markdown report in test-results/ through the fixture server
 * (workerd cannot write the host's files). The report is also printed, so a
 * connection the loaded runtime drops is tried again and then only warned
 * about: the file is a convenience, not something the service promises.
 */
export async function writeResult(name: string, markdown: string): Promise<void> {
  let problem = "";
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const res = await fetch(`${inject("fixtureBaseUrl")}/results/${name}`, { method: "PUT", body: markdown });
      if (res.status === 204) return;
      problem = `HTTP ${res.status}`;
    } catch (error) {
      problem = String(error);
    }
  }
  console.warn(`could not store test-results/${name} (${problem}); the report is printed above`);
}
