// The job consumers as deployed: `npm run dev` runs each consumer Worker from
// its own wrangler config (wrangler.consumer.toml: background removals and
// the dead-letter queue; wrangler.fixes.toml: AI fixes), each a Worker of
// its own. The workers test project consumes every queue in one test
// Worker, so only here do per-kind isolation and dead-letter routing meet
// the real configs.
//
// Which Worker ran a delivery is read from the dev server's output: each
// delivery logs a line naming its Worker (WORKER_NAME in that Worker's
// config) and its queue, and wrangler dev puts the name of the Worker that
// printed it in front of an info-level line. A poisoned job comes from the fault switch that
// ./fault-consumer.ts wraps around each consumer: its source URL asks that
// every delivery die without acknowledging, so the queue retries it
// max_retries times and then moves it to the dead-letter queue.
import { readFileSync } from "node:fs";
import { describe, inject, it } from "vitest";
import { INTERNAL_FAILURE_MESSAGE } from "../../src/jobs/errors";
import { DEAD_LETTER_QUEUE, MAX_JOB_ATTEMPTS } from "../../src/jobs/queue";
import { fixtureUrl } from "../helpers/fixtures";
import type { Fault } from "../reliability/fault-switch";
import { fundedShop, http } from "./http";

const FUNDING = 1_000;
/** A logo on a flat background: a real background removal (colour key, PNG, R2) that needs no model run. */
const LOGO = "bg/composite-logo.png";
/** A photo: the model runs on it. */
const PHOTO = "bg/coffee.jpg";
const FIX_SOURCE = "fixes/upscale-coffee-64x48.png";

const BG_WORKER = "printcart-ai-consumer";
const FIX_WORKER = "printcart-ai-fix-consumer";

/** The fault switch's marker (test/reliability/fault-switch.ts, withFault): every delivery of the job dies. */
function poisoned(url: string): string {
  const marked = new URL(url);
  const fault: Fault = "die";
  marked.searchParams.set("fault", fault);
  return marked.toString();
}

interface Shop {
  email: string;
  token: string;
}

interface Job {
  kind: "bg_remove" | "ai_fix";
  id: string;
  shop: Shop;
}

async function startBgRemoval(shop: Shop, imageUrl: string, subjectType = "logo"): Promise<Job> {
  const created = await http("/v1/services/bg-remove", { token: shop.token, body: { image_url: imageUrl, subject_type: subjectType, edge_softness: 0 } });
  if (created.status !== 202) throw new Error(`bg-remove: ${created.status} ${JSON.stringify(created.body)}`);
  return { kind: "bg_remove", id: created.body.job_id, shop };
}

async function startFix(shop: Shop, fileUrl: string): Promise<Job> {
  const report = await http("/v1/services/preflight/checks", {
    token: shop.token,
    body: { designId: "consumers", fileUrl, fileType: "png", productProfile: { requiredDpi: 300, bleedMm: 0 } },
  });
  if (report.status !== 201) throw new Error(`preflight: ${report.status} ${JSON.stringify(report.body)}`);
  const created = await http("/v1/services/preflight/ai-jobs", {
    token: shop.token,
    body: { preflightReportId: report.body.data.reportId, options: { fixTypes: ["upscale_resolution_2x"] } },
  });
  if (created.status !== 202) throw new Error(`ai-jobs: ${created.status} ${JSON.stringify(created.body)}`);
  return { kind: "ai_fix", id: created.body.data.jobId, shop };
}

/** The job as its caller polls it, in one shape for both kinds. */
async function poll(job: Job): Promise<{ status: string; errorMessage: string | null; tokensDeducted: number }> {
  if (job.kind === "bg_remove") {
    const seen = await http(`/v1/services/bg-remove/${job.id}`, { token: job.shop.token });
    return { status: seen.body.status, errorMessage: seen.body.error_message, tokensDeducted: seen.body.tokens_deducted };
  }
  const seen = await http(`/v1/services/preflight/ai-jobs/${job.id}`, { token: job.shop.token });
  return { status: seen.body.data.status, errorMessage: seen.body.data.errorMessage, tokensDeducted: seen.body.data.tokensDeducted };
}

/** Bounded: a poisoned job's four deliveries and its dead letter take well under a minute locally. */
async function ended(job: Job, timeoutMs = 120_000) {
  const started = Date.now();
  for (;;) {
    const seen = await poll(job);
    if (seen.status === "completed" || seen.status === "failed") return seen;
    if (Date.now() - started > timeoutMs) {
      throw new Error(`${job.kind} job ${job.id} still ${seen.status} after ${timeoutMs} ms; its deliveries: ${JSON.stringify(deliveriesOf(job.id))}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

interface Delivery {
  worker: string;
  /** The job's step, for kinds that run in several. */
  stage?: string;
  queue: string;
  delivery: number;
  outcome: string;
}

/**
 * The job's deliveries as the consumer Workers logged them (src/jobs/consumer.ts
 * deliveryLabel; a delivery killed by the fault switch is logged by
 * ./fault-consumer.ts), oldest first, durations dropped. `worker` is the name
 * the line gives (WORKER_NAME). wrangler dev puts the `name` of the Worker that
 * printed a consumer's console.log line (not a console.error one) in front of
 * it: `runtime` is that prefix where there is one, so the runtime confirms the var.
 */
function deliveriesOf(jobId: string): (Delivery & { runtime: string | null })[] {
  const line = /(?:\[([a-z][\w-]*)\] )?\[([a-z][\w-]*)\] job (\S+) \((\w+)(?: (\w+))?\), delivery (\d+) from ([\w-]+): (.*)$/;
  const deliveries: (Delivery & { runtime: string | null })[] = [];
  for (const raw of readFileSync(inject("devServerLog"), "utf8").split("\n")) {
    const match = line.exec(raw.replace(/\x1b\[[0-9;]*m/g, ""));
    if (!match || match[3] !== jobId) continue;
    deliveries.push({
      worker: match[2]!,
      runtime: match[1] ?? null,
      ...(match[5] ? { stage: match[5] } : {}),
      queue: match[7]!,
      delivery: Number(match[6]),
      outcome: match[8]!.replace(/ in \d+ ms$/, "").trim(),
    });
  }
  return deliveries;
}

/**
 * Waits (bounded) until the job's log lines include one that satisfies `last`
 * (the line is written just after the job ends). A line whose runtime prefix
 * names another Worker than the line itself shows up as that mismatch.
 */
async function loggedDeliveries(jobId: string, last: (d: Delivery) => boolean, timeoutMs = 15_000): Promise<Delivery[]> {
  const started = Date.now();
  for (;;) {
    const logged = deliveriesOf(jobId);
    if (logged.some(last) || Date.now() - started > timeoutMs) {
      // On a timeout the caller's expectation says what is missing.
      return logged.map(({ runtime, ...d }) => (runtime && runtime !== d.worker ? { ...d, worker: `${d.worker}, logged by ${runtime}` } : d));
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The Worker names the runtime gave the job's lines (see deliveriesOf). */
const runtimeNames = (jobId: string) => deliveriesOf(jobId).map((d) => d.runtime);

/** Every transaction of the shop (newest first) and its wallet, through the API. */
async function wallet(shop: Shop) {
  const transactions: { id: string; type: string; amount: number; jobId: string | null }[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await http(`/v1/wallet/transactions?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token: shop.token });
    transactions.push(...page.body.data);
    cursor = page.body.meta.nextCursor;
    if (!cursor) break;
  }
  const { balance, held } = (await http("/v1/wallet", { token: shop.token })).body.data;
  return { balance, held, transactions };
}

describe.concurrent("consumer Workers of `npm run dev`: each step in its Worker, dead letters through printcart-jobs-dlq", { timeout: 180_000 }, () => {
  it("a background removal is decoded and composited in the image Worker and segmented in the model Worker", async ({ expect }) => {
    const job = await startBgRemoval(await fundedShop("consumers-bg", FUNDING), fixtureUrl(PHOTO), "product");
    expect(await ended(job)).toMatchObject({ status: "completed", errorMessage: null });
    const logged = await loggedDeliveries(job.id, (d) => d.outcome.startsWith("job "));
    expect(logged).toEqual([
      { worker: FIX_WORKER, queue: "printcart-fix-jobs", delivery: 1, outcome: "prepare done and segment queued" },
      { worker: BG_WORKER, stage: "segment", queue: "printcart-jobs", delivery: 1, outcome: "segment done and composite queued" },
      { worker: FIX_WORKER, stage: "composite", queue: "printcart-fix-jobs", delivery: 1, outcome: "job completed" },
    ]);
    expect(runtimeNames(job.id)).toEqual([FIX_WORKER, BG_WORKER, FIX_WORKER]);
  });

  it("a logo on a flat background is colour-keyed in the image Worker alone: no model step", async ({ expect }) => {
    const job = await startBgRemoval(await fundedShop("consumers-logo", FUNDING), fixtureUrl(LOGO));
    expect(await ended(job)).toMatchObject({ status: "completed", errorMessage: null });
    const logged = await loggedDeliveries(job.id, (d) => d.outcome.startsWith("job "));
    expect(logged).toEqual([
      { worker: FIX_WORKER, queue: "printcart-fix-jobs", delivery: 1, outcome: "prepare done and composite queued" },
      { worker: FIX_WORKER, stage: "composite", queue: "printcart-fix-jobs", delivery: 1, outcome: "job completed" },
    ]);
  });

  it("an AI fix completes in the AI-fix consumer Worker, from printcart-fix-jobs", async ({ expect }) => {
    const job = await startFix(await fundedShop("consumers-fix", FUNDING), fixtureUrl(FIX_SOURCE));
    expect(await ended(job)).toMatchObject({ status: "completed", errorMessage: null });
    const logged = await loggedDeliveries(job.id, (d) => d.outcome.startsWith("job "));
    expect(logged).toEqual([{ worker: FIX_WORKER, queue: "printcart-fix-jobs", delivery: 1, outcome: "job completed" }]);
    expect(runtimeNames(job.id)).toEqual([FIX_WORKER]);
  });

  for (const { kind, name, worker, queue } of [
    // A background removal's first step runs in the image Worker.
    { kind: "bg_remove", name: "a background removal", worker: FIX_WORKER, queue: "printcart-fix-jobs" },
    { kind: "ai_fix", name: "an AI fix", worker: FIX_WORKER, queue: "printcart-fix-jobs" },
  ] as const) {
    it(`${name} whose consumer Worker dies on every delivery goes from ${queue} to ${DEAD_LETTER_QUEUE}: failed, refunded once`, async ({ expect }) => {
      const shop = await fundedShop(`consumers-poisoned-${kind}`, FUNDING);
      const job = kind === "bg_remove" ? await startBgRemoval(shop, poisoned(fixtureUrl(LOGO))) : await startFix(shop, poisoned(fixtureUrl(FIX_SOURCE)));

      const seen = await ended(job);
      expect(seen).toMatchObject({ status: "failed", errorMessage: INTERNAL_FAILURE_MESSAGE });

      // Every delivery died in the kind's own Worker; then the dead letter, in the
      // background-removal Worker (the dead-letter queue's only consumer), failed the job.
      const logged = await loggedDeliveries(job.id, (d) => d.queue === DEAD_LETTER_QUEUE);
      const died = Array.from({ length: MAX_JOB_ATTEMPTS }, (_, i) => ({
        worker,
        queue,
        delivery: i + 1,
        outcome: `injected fault "die" in job ${job.id}`,
      }));
      expect(logged).toEqual([...died, { worker: BG_WORKER, queue: DEAD_LETTER_QUEUE, delivery: 1, outcome: "job failed" }]);

      // One debit and one refund of all of it: the balance is back where it was.
      expect(seen.tokensDeducted).toBeGreaterThan(0);
      // The listing is D1's copy of the ledger, written before the refund returns (or later by the wallet's alarm).
      const ofJob = async () => (await wallet(shop)).transactions.filter((t) => t.jobId === job.id).map((t) => [t.type, t.amount]);
      await expect.poll(ofJob, { timeout: 10_000 }).toEqual([
        ["refund", seen.tokensDeducted],
        ["debit", -seen.tokensDeducted],
      ]);
      const after = await wallet(shop);
      expect(after.transactions.map((t) => t.type)).toEqual(["refund", "debit", "grant"]);
      expect([after.balance, after.held]).toEqual([FUNDING, 0]);
    });
  }
});
