// Load: 20 accounts, each sending 50 charging requests at once (background
// removals and AI fix jobs, some with a shared Idempotency-Key, some past the
// balance) mixed with reads of the wallet, its transactions and the jobs.
// Afterwards the queue must drain with every job final, and every wallet must
// balance to the token: balance = Σ transactions, nothing negative, one debit
// per job, failed jobs refunded once. Latencies of the create endpoints are
// reported (console and test-results/reliability-load.md), never asserted:
// the machine is shared.
//
// What the jobs cost to run is chosen to fit a 2-core machine: most
// background removals fail fast on their source (HTTP 404, a PDF), which is
// a real charge and a real refund through the queue; logo removals on a flat
// background and 2× upscales of a 64×48 PNG complete in milliseconds; two
// photos go through the segmentation model.
//
// Requests go straight to the test Worker's fetch handler (callWorker in
// ./support.ts says why), with the real D1, Durable Objects, Queues and R2;
// jobs are delivered by the real queue to the real consumer code.
import { beforeAll, describe, expect, it } from "vitest";
import { grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { ensureModel } from "../helpers/model";
import { callWorker, expectJobsSettledOnce, expectWalletBalanced, loopback, percentile, waitForDrain, writeResult } from "./support";

const ACCOUNTS = 20;
const CHARGES_PER_ACCOUNT = 50;

const BG_PRICE = 150;
const FIX_PRICE = 30; // upscale_resolution_2x
/**
 * What each account can pay for. Every fourth account can pay for all it asks
 * (39 background removals and 11 fixes: 6,180 tokens), so 50 charges at once
 * all go through. The others can pay for 10 to 12 removals plus 3 fixes, so
 * most of their charges race for the last tokens and get 402 while refunds
 * of failed jobs come back. That keeps the queue to about 450 jobs, which
 * this machine drains in about a minute.
 */
const FUNDING = (i: number) => (i % 4 === 0 ? 6_500 : 1_500 + 3 * FIX_PRICE + BG_PRICE * (i % 3));
/** The per-account limit is 120 requests a minute (RATE_LIMIT_PER_MINUTE); this test stays under it, so no 429 is expected. */
const RATE_LIMIT = 120;

type Kind = "bg-404" | "bg-not-image" | "bg-logo" | "bg-photo" | "fix-2x";
const EXPECTED_END: Record<Kind, "completed" | "failed"> = {
  "bg-404": "failed",
  "bg-not-image": "failed",
  "bg-logo": "completed",
  "bg-photo": "completed",
  "fix-2x": "completed",
};

interface Planned {
  kind: Kind;
  idempotencyKey?: string;
  /** Read the job back as soon as it is accepted. */
  poll: boolean;
}

/**
 * 50 charging requests for account i: first a photo (accounts 0 and 1, so
 * the model runs) or a logo, then, interleaved, 2 pairs of requests sharing
 * an Idempotency-Key, 9 fixes, 6 logos, 12 PDFs and 18 404s.
 */
function planFor(i: number): Planned[] {
  const plan: Planned[] = [];
  for (let k = 0; k < CHARGES_PER_ACCOUNT; k++) {
    let kind: Kind;
    let idempotencyKey: string | undefined;
    if (k === 0) kind = i < 2 ? "bg-photo" : "bg-logo";
    else if (k < 3) [kind, idempotencyKey] = ["bg-404", `load-${i}-a`];
    else if (k < 5) [kind, idempotencyKey] = ["fix-2x", `load-${i}-b`];
    else if (k < 14) kind = "fix-2x";
    else if (k < 20) kind = "bg-logo";
    else if (k < 32) kind = "bg-not-image";
    else kind = "bg-404";
    plan.push({ kind, idempotencyKey, poll: k % 5 === 0 });
  }
  // The first goes first; the rest in a fixed shuffle (19 is coprime with 49), so every kind is in flight at once.
  return [plan[0]!, ...plan.slice(1).map((_, k) => plan[1 + ((k * 19) % (CHARGES_PER_ACCOUNT - 1))]!)];
}

interface Shop {
  i: number;
  id: string;
  token: string;
  reportId: string;
  requests: number;
}

interface Sample {
  endpoint: string;
  status: number;
  ms: number;
}

const samples: Sample[] = [];
async function timed<T extends { status: number }>(endpoint: string, shop: Shop, call: () => Promise<T>): Promise<T> {
  shop.requests += 1;
  const started = performance.now();
  const res = await call();
  samples.push({ endpoint, status: res.status, ms: performance.now() - started });
  return res;
}

async function charge(shop: Shop, planned: Planned) {
  const headers = planned.idempotencyKey ? { "idempotency-key": planned.idempotencyKey } : undefined;
  if (planned.kind === "fix-2x") {
    const body = { preflightReportId: shop.reportId, options: { fixTypes: ["upscale_resolution_2x"] } };
    const res = await timed("POST /v1/services/preflight/ai-jobs", shop, () => callWorker("/v1/services/preflight/ai-jobs", { token: shop.token, body, headers }));
    return { res, price: FIX_PRICE, jobId: res.status === 202 ? (res.body.data.jobId as string) : null, path: `/v1/services/preflight/ai-jobs/` };
  }
  const image_url = loopback({
    "bg-404": fixtureUrl("404", "status"),
    "bg-not-image": fixtureUrl("preflight/pdf-rgb-nobleed-4x6.pdf"),
    "bg-logo": fixtureUrl("bg/composite-logo.png"),
    "bg-photo": fixtureUrl("bg/chelsea.jpg"),
  }[planned.kind]);
  const body = { image_url, subject_type: planned.kind === "bg-logo" ? "logo" : "product", edge_softness: 0 };
  const res = await timed("POST /v1/services/bg-remove", shop, () => callWorker("/v1/services/bg-remove", { token: shop.token, body, headers }));
  return { res, price: BG_PRICE, jobId: res.status === 202 ? (res.body.job_id as string) : null, path: `/v1/services/bg-remove/` };
}

/** Reads while the charges run: every answer must show a wallet that is never negative. */
async function readWallet(shop: Shop): Promise<void> {
  const wallet = await timed("GET /v1/wallet", shop, () => callWorker("/v1/wallet", { token: shop.token }));
  expect(wallet.status).toBe(200);
  expect(wallet.body.data.balance).toBeGreaterThanOrEqual(0);
  expect(wallet.body.data.held).toBeGreaterThanOrEqual(0);
}

async function readTransactions(shop: Shop): Promise<void> {
  const page = await timed("GET /v1/wallet/transactions", shop, () => callWorker("/v1/wallet/transactions?limit=20", { token: shop.token }));
  expect(page.status).toBe(200);
  for (const t of page.body.data) {
    expect(t.balanceAfter).toBeGreaterThanOrEqual(0);
    expect(t.heldAfter).toBeGreaterThanOrEqual(0);
  }
}

/** One account's 50 charging requests, all at once, with reads of its wallet, transactions and new jobs among them. */
async function burst(shop: Shop) {
  const plan = planFor(shop.i);
  const reads: Promise<void>[] = [];
  for (let r = 0; r < 3; r++) reads.push(readWallet(shop), readTransactions(shop));
  const charged = await Promise.all(
    plan.map(async (planned) => {
      const result = await charge(shop, planned);
      if (result.jobId && planned.poll) {
        reads.push(
          (async () => {
            const job = await timed(`GET ${result.path}{jobId}`, shop, () => callWorker(`${result.path}${result.jobId}`, { token: shop.token }));
            expect(job.status).toBe(200);
            expect(["pending", "processing", "analyzing", "applying", "completed", "failed"]).toContain(job.body.status ?? job.body.data.status);
          })(),
        );
      }
      return { planned, ...result };
    }),
  );
  await Promise.all(reads);
  return { shop, charged };
}

function latencyTable(): string {
  const endpoints = [...new Set(samples.map((s) => s.endpoint))].sort((a, b) => Number(b.startsWith("POST")) - Number(a.startsWith("POST")) || a.localeCompare(b));
  const rows = endpoints.map((endpoint) => {
    const mine = samples.filter((s) => s.endpoint === endpoint);
    const ms = mine.map((s) => s.ms);
    const statuses = [...new Set(mine.map((s) => s.status))].sort().map((status) => `${status}×${mine.filter((s) => s.status === status).length}`).join(" ");
    const f = (p: number) => Math.round(percentile(ms, p));
    return `| ${endpoint} | ${mine.length} | ${statuses} | ${f(50)} | ${f(95)} | **${f(99)}** | ${Math.round(Math.max(...ms))} |`;
  });
  return ["| endpoint | requests | statuses | p50 ms | p95 ms | p99 ms | max ms |", "|---|---|---|---|---|---|---|", ...rows].join("\n");
}

/** Prints the latency table with `outcome` and stores it as test-results/reliability-load.md. */
async function report(outcome: string): Promise<void> {
  const creates = samples.filter((s) => s.endpoint.startsWith("POST"));
  const summary = [
    `# Reliability: load`,
    ``,
    `${new Date().toISOString()}: ${ACCOUNTS} accounts × ${CHARGES_PER_ACCOUNT} concurrent charging requests (${creates.length} in all) with ${samples.length - creates.length} reads, in the workerd test runtime (\`npm run test:reliability\`) with the queue consumer in the same runtime.`,
    `Latency is measured by the caller from sending the request to the whole answer, with all charges and their reads in flight at once; it includes waiting behind the other requests and behind the queue consumer, which runs in the same runtime (model runs included). Reported only, never asserted.`,
    ``,
    latencyTable(),
    ``,
    outcome,
    ``,
  ].join("\n");
  console.log(`\n${summary}`);
  await writeResult("reliability-load.md", summary);
}

describe("load: 20 accounts × 50 concurrent charging requests, mixed with reads", () => {
  const shops: Shop[] = [];

  beforeAll(async () => {
    await ensureModel();
    for (let i = 0; i < ACCOUNTS; i++) {
      const account = await signUp(`load${i}`);
      const granted = await grant(account.id, FUNDING(i), `load-funding-${account.id}`);
      expect(granted.status).toBe(201);
      shops.push({ i, id: account.id, token: account.token, reportId: "", requests: 0 });
    }
    // One preflight report per account for its fix jobs (free; counts towards the rate limit).
    await Promise.all(
      shops.map(async (shop) => {
        const body = { designId: `load-${shop.i}`, fileUrl: loopback(fixtureUrl("fixes/upscale-coffee-64x48.png")), fileType: "png", productProfile: { requiredDpi: 300, bleedMm: 0 } };
        shop.requests += 1;
        const report = await callWorker("/v1/services/preflight/checks", { token: shop.token, body });
        expect(report.status, JSON.stringify(report.body)).toBe(201);
        shop.reportId = report.body.data.reportId;
      }),
    );
  }, 180_000);

  it("keeps every wallet balanced and every job final and paid once", { timeout: 300_000 }, async () => {
    const started = Date.now();
    const outcomes = await Promise.all(shops.map(burst));
    const createdMs = Date.now() - started;
    // Reported before anything is checked, so a failing run still shows its latencies.
    await report(`All answers in ${(createdMs / 1000).toFixed(1)} s; the queue is still draining.`);

    // Every answer is one a caller can act on: accepted, short of tokens, or a key still in use.
    for (const { charged } of outcomes) {
      for (const { planned, res, price } of charged) {
        expect([202, 402, 409], `${planned.kind}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
        if (res.status === 409) expect(planned.idempotencyKey, "409 only for a shared Idempotency-Key").toBeDefined();
        if (res.status === 402) {
          expect(res.body).toMatchObject({ error: "INSUFFICIENT_TOKENS", top_up_url: expect.any(String) });
          expect(res.body.balance).toBeGreaterThanOrEqual(0);
          expect(res.body.balance + res.body.shortfall).toBe(price);
        }
      }
    }
    expect(samples.filter((s) => s.status === 429 || s.status >= 500)).toEqual([]);

    const accountIds = shops.map((s) => s.id);
    const drain = await waitForDrain(accountIds, 200_000);

    let completed = 0;
    let failed = 0;
    // Every kind of job ran under the load (the fully funded accounts take all they ask for), the model included.
    const acceptedKinds = new Set(outcomes.flatMap((o) => o.charged).filter((c) => c.jobId).map((c) => c.planned.kind));
    expect([...acceptedKinds].sort()).toEqual(Object.keys(EXPECTED_END).sort());
    for (const { shop, charged } of outcomes) {
      const jobs = drain.jobs.filter((j) => j.accountId === shop.id);
      // The jobs are exactly those the 202s named; replays of a key name the same job.
      const accepted = charged.filter((c) => c.jobId);
      expect(new Set(accepted.map((c) => c.jobId))).toEqual(new Set(jobs.map((j) => j.id)));
      for (const key of new Set(charged.map((c) => c.planned.idempotencyKey).filter(Boolean))) {
        expect(new Set(charged.filter((c) => c.planned.idempotencyKey === key && c.jobId).map((c) => c.jobId)).size).toBeLessThanOrEqual(1);
      }
      // Each job ended as its input decides.
      for (const c of accepted) {
        const job = jobs.find((j) => j.id === c.jobId)!;
        expect(job.status, `${c.planned.kind} ${job.id}: ${job.errorMessage}`).toBe(EXPECTED_END[c.planned.kind]);
      }

      const { balance, entries, requests } = await expectWalletBalanced(shop, callWorker);
      shop.requests += requests;
      const settled = expectJobsSettledOnce(jobs, entries);
      completed += settled.completed;
      failed += settled.failed;
      const captured = entries.filter((e) => e.type === "capture").reduce((sum, e) => sum - e.heldDelta, 0);
      expect(balance).toBe(FUNDING(shop.i) - captured);
      expect(shop.requests).toBeLessThan(RATE_LIMIT);
    }

    await report(`All answers in ${(createdMs / 1000).toFixed(1)} s; queue drained ${(drain.ms / 1000).toFixed(1)} s later: ${drain.jobs.length} jobs, ${completed} completed, ${failed} failed (each failed job refunded once). Every wallet balanced.`);
    expect(completed + failed).toBe(drain.jobs.length);
  });
});
