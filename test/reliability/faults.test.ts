// Faults: consumers that crash mid-job or die without acknowledging,
// duplicate and dead-letter deliveries, R2 refusing writes, and source
// servers that trickle, hang up mid-body or mislabel their bytes. Whatever
// happens, every job ends completed or failed, a failed job is refunded
// exactly once, and nothing is charged twice.
//
// Crashes and R2 failures come from the test runtime's fault switch
// (./fault-switch.ts, wired in by test/helpers/test-worker.ts; production
// builds do not contain it), asked for through the job's source URL on the
// loopback fixture server. All scenarios start together and share the real
// queue, so the retry delays (2, 4, 8 s) overlap.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { jobOutputKey } from "../../src/files/keys";
import { INTERNAL_FAILURE_MESSAGE } from "../../src/jobs/errors";
import { DEAD_LETTER_QUEUE, MAX_JOB_ATTEMPTS } from "../../src/jobs/queue";
import { findJob } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { sniff } from "../../src/imaging/sniff";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { download } from "../helpers/jobs";
import { withFault } from "./fault-switch";
import { deliver, expectJobsSettledOnce, expectWalletBalanced, loopback, queueCaughtUp, waitForDrain, type JobRow } from "./support";

const FUNDING = 1_000;
/** A logo on a flat background: a real background removal (colour key, PNG, R2) that needs no model run. */
const LOGO = "bg/composite-logo.png";
const PHOTO_PAST_DEADLINE = "bg/coffee.jpg"; // 92 KB: 18 s at the fixture server's 1 KB per 200 ms, past FETCH_TIMEOUT_MS (8 s)
const FIX_SOURCE = "fixes/upscale-coffee-64x48.png";

interface Started {
  shop: { id: string; token: string };
  jobId: string;
  kind: "bg_remove" | "ai_fix";
}

interface Ended extends Started {
  row: JobRow;
  /** The job as a caller polls it. */
  seen: any;
}

interface Scenario {
  name: string;
  /** Background removal of this URL, or an AI fix (2× upscale) of a report on it. */
  bg?: string;
  fix?: string;
  /** Extra deliveries once the job is created (duplicates, dead-letter). */
  meanwhile?: (job: Started) => Promise<void>;
  ends: "completed" | "failed";
  /** Deliveries that ran a step of the job (its attempts in D1): a logo's background removal runs two, decode and composite. */
  attempts?: number;
  message?: string | RegExp;
  more?: (job: Ended) => Promise<void>;
}

const message = (job: Started) => ({ jobId: job.jobId, accountId: job.shop.id, kind: job.kind });

const SCENARIOS: Scenario[] = [
  {
    name: "a consumer crashes after storing the output, before settling: the retry completes it",
    bg: withFault(fixtureUrl(LOGO), "crash-after", 1),
    ends: "completed",
    attempts: 3,
    more: async ({ seen }) => {
      const file = await download(seen.output_url);
      expect(file.status).toBe(200);
      expect(sniff(file.bytes)?.type).toBe("png");
    },
  },
  {
    name: "a consumer crashes on every delivery after marking the job running: retries run out and the job fails",
    bg: withFault(fixtureUrl(LOGO), "crash-before"),
    ends: "failed",
    attempts: MAX_JOB_ATTEMPTS,
    message: INTERNAL_FAILURE_MESSAGE,
  },
  {
    name: "an AI fix whose consumer crashes after storing the output on every delivery fails once, its output deleted",
    fix: withFault(fixtureUrl(FIX_SOURCE), "crash-after"),
    ends: "failed",
    attempts: MAX_JOB_ATTEMPTS,
    message: INTERNAL_FAILURE_MESSAGE,
    more: async ({ shop, jobId }) => {
      expect(await env.FILES.head(jobOutputKey(shop.id, jobId, "png"))).toBeNull();
    },
  },
  {
    name: "the consumer dies without acknowledging on every delivery: the dead-letter queue fails the job",
    bg: withFault(fixtureUrl(LOGO), "die"),
    ends: "failed",
    attempts: MAX_JOB_ATTEMPTS,
    message: INTERNAL_FAILURE_MESSAGE,
  },
  {
    // Fix jobs have a queue of their own (printcart-fix-jobs) that dead-letters into the same queue.
    name: "an AI fix whose consumer dies without acknowledging on every delivery: the dead-letter queue fails the job",
    fix: withFault(fixtureUrl(FIX_SOURCE), "die"),
    ends: "failed",
    attempts: MAX_JOB_ATTEMPTS,
    message: INTERNAL_FAILURE_MESSAGE,
  },
  {
    name: "the consumer dies on the first delivery: the redelivery completes the job",
    fix: withFault(fixtureUrl(FIX_SOURCE), "die", 1),
    ends: "completed",
    attempts: 2,
  },
  {
    name: "R2 refuses every write of an AI fix: retries run out, nothing is left stored",
    fix: withFault(fixtureUrl(FIX_SOURCE), "r2-put"),
    ends: "failed",
    attempts: MAX_JOB_ATTEMPTS,
    message: INTERNAL_FAILURE_MESSAGE,
    more: async ({ shop, jobId }) => {
      expect(await env.FILES.head(jobOutputKey(shop.id, jobId, "png"))).toBeNull();
    },
  },
  {
    name: "R2 refuses the first write of a background removal: the retry completes it",
    bg: withFault(fixtureUrl(LOGO), "r2-put", 1),
    ends: "completed",
    attempts: 3,
  },
  {
    name: "the same message is delivered again and concurrently while the job runs, and after it ended",
    bg: fixtureUrl(LOGO),
    meanwhile: async (job) => {
      await env.FIX_JOBS.send(message(job));
      await env.FIX_JOBS.send(message(job));
      await Promise.all([deliver("printcart-fix-jobs", message(job)), deliver("printcart-fix-jobs", message(job))]);
    },
    ends: "completed",
    more: async (job) => {
      // Late duplicates, on the queue and on the dead-letter queue, change nothing.
      await deliver("printcart-fix-jobs", message(job), 2);
      await deliver(DEAD_LETTER_QUEUE, message(job), MAX_JOB_ATTEMPTS);
      const again = await api(`/v1/services/bg-remove/${job.jobId}`, { token: job.shop.token });
      expect(again.body.status).toBe("completed");
    },
  },
  {
    name: "a dead-letter delivery fails the job while a live consumer is still fetching: refunded once, its output discarded",
    // The live delivery spends about 3 s reading the trickled source; the dead-letter delivery arrives meanwhile.
    bg: fixtureUrl(LOGO, "slow"),
    meanwhile: async (job) => {
      await until(async () => ((await findJob(env as Env, job.jobId))?.attempts ?? 0) >= 1, 30_000);
      await deliver(DEAD_LETTER_QUEUE, message(job), MAX_JOB_ATTEMPTS);
    },
    ends: "failed",
    attempts: 1,
    message: INTERNAL_FAILURE_MESSAGE,
    more: async ({ shop, jobId }) => {
      // The live delivery finished its step after the refund (queueCaughtUp waited for it), found the job
      // ended, and deleted what it had handed on; the next step never ran, so no output exists.
      expect((await findJob(env as Env, jobId))?.result).toBeNull();
      expect(await env.FILES.head(jobOutputKey(shop.id, jobId, "png"))).toBeNull();
      expect((await env.FILES.list({ prefix: `work/${shop.id}/${jobId}/` })).objects).toEqual([]);
    },
  },
  {
    name: "a source that trickles its bytes but finishes within the deadline",
    bg: fixtureUrl(LOGO, "slow"),
    ends: "completed",
    attempts: 2,
  },
  {
    name: "a source that trickles past the fetch deadline",
    bg: fixtureUrl(PHOTO_PAST_DEADLINE, "slow"),
    ends: "failed",
    attempts: 1,
    message: /took longer than 8 s/,
  },
  {
    name: "a source that closes the connection mid-body",
    bg: fixtureUrl(LOGO, "cut"),
    ends: "failed",
    attempts: 1,
  },
  {
    name: "a source whose Content-Type says HTML for PNG bytes: the bytes decide",
    bg: fixtureUrl(`text/html/${LOGO}`, "as"),
    ends: "completed",
    attempts: 2,
  },
  {
    name: "a source whose Content-Type says PNG for a PDF: the job fails on the bytes",
    bg: fixtureUrl("image/png/preflight/pdf-rgb-nobleed-4x6.pdf", "as"),
    ends: "failed",
    attempts: 1,
    message: /not a JPEG, PNG or WebP image \(it is PDF\)/,
  },
];

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function start(scenario: Scenario): Promise<Started> {
  loopback(scenario.bg ?? scenario.fix!);
  const shop = await signUp("fault");
  expect((await grant(shop.id, FUNDING, `fault-funding-${shop.id}`)).status).toBe(201);
  if (scenario.bg) {
    const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: scenario.bg, subject_type: "logo", edge_softness: 0 } });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    return { shop, jobId: created.body.job_id, kind: "bg_remove" };
  }
  const report = await api("/v1/services/preflight/checks", {
    token: shop.token,
    body: { designId: "fault", fileUrl: scenario.fix, fileType: "png", productProfile: { requiredDpi: 300, bleedMm: 0 } },
  });
  expect(report.status, JSON.stringify(report.body)).toBe(201);
  const created = await api("/v1/services/preflight/ai-jobs", {
    token: shop.token,
    body: { preflightReportId: report.body.data.reportId, options: { fixTypes: ["upscale_resolution_2x"] } },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(202);
  return { shop, jobId: created.body.data.jobId, kind: "ai_fix" };
}

async function run(scenario: Scenario, sentinel: { token: string }): Promise<Ended> {
  const job = await start(scenario);
  await scenario.meanwhile?.(job);
  // Bounded: the longest path is four deliveries with 2 + 4 + 8 s between them, behind the other scenarios' jobs.
  const { jobs } = await waitForDrain([job.shop.id], 120_000);
  // Then every delivery still queued for it (duplicates, a live consumer that lost a race) has run too.
  await queueCaughtUp(sentinel);
  expect(jobs.map((j) => j.id)).toEqual([job.jobId]);
  const path = job.kind === "bg_remove" ? `/v1/services/bg-remove/${job.jobId}` : `/v1/services/preflight/ai-jobs/${job.jobId}`;
  const seen = await api(path, { token: job.shop.token });
  expect(seen.status).toBe(200);
  return { ...job, row: jobs[0]!, seen: job.kind === "bg_remove" ? seen.body : seen.body.data };
}

describe("faults: every job ends completed or failed, a failed job is refunded once, nothing is charged twice", () => {
  const runs = new Map<Scenario, Promise<Ended>>();

  beforeAll(async () => {
    // Pays for the queue's sentinel jobs (see queueCaughtUp); each is refunded.
    const sentinel = await signUp("fault-sentinel");
    expect((await grant(sentinel.id, 150 * SCENARIOS.length)).status).toBe(201);
    for (const scenario of SCENARIOS) {
      const running = run(scenario, sentinel);
      running.catch(() => undefined); // reported by the scenario's own test
      runs.set(scenario, running);
    }
  });

  for (const scenario of SCENARIOS) it(scenario.name, { timeout: 180_000 }, async () => {
    const ended = await runs.get(scenario)!;
    const { row, seen } = ended;
    const why = `${row.status}, attempts ${row.attempts}: ${row.errorMessage ?? "no error"}`;
    expect(row.status, why).toBe(scenario.ends);
    if (scenario.attempts !== undefined) expect(row.attempts, why).toBe(scenario.attempts);
    if (scenario.message !== undefined) {
      if (typeof scenario.message === "string") expect(row.errorMessage).toBe(scenario.message);
      else expect(row.errorMessage).toMatch(scenario.message);
    }

    // The caller sees the same end, and a failed job serves nothing.
    if (ended.kind === "bg_remove") {
      expect(seen.status).toBe(scenario.ends);
      if (scenario.ends === "failed") expect([seen.output_url, typeof seen.error_message]).toEqual([null, "string"]);
      else expect(seen.output_url).toMatch(/^http/);
    } else {
      expect(seen).toMatchObject({ status: scenario.ends, tokensDeducted: 30, tokensCharged: scenario.ends === "completed" ? 30 : 0 });
      if (scenario.ends === "failed") expect(seen.correctedFileUrl).toBeNull();
    }

    await scenario.more?.(ended);

    // One debit; a failed job one refund of all of it, a completed one a capture; the wallet balances.
    const { balance, entries } = await expectWalletBalanced(ended.shop);
    expect(expectJobsSettledOnce([row], entries)).toEqual(scenario.ends === "completed" ? { completed: 1, failed: 0 } : { completed: 0, failed: 1 });
    expect(balance).toBe(scenario.ends === "completed" ? FUNDING - row.tokensDeducted : FUNDING);
  });
});
