// Each step of a job has its queue and consumer Worker (src/jobs/queue.ts says
// why): AI fix jobs and a background removal's decode and composite steps go
// on printcart-fix-jobs, its model step on printcart-jobs. Checked here with
// the real queue bindings of wrangler.toml, which the test Worker consumes as
// the two consumer Workers do.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createFixJob } from "../../src/ai-fix/jobs";
import { createBgRemoval } from "../../src/bg-removal/jobs";
import fixesConsumer from "../../src/consumers/fixes";
import { INTERNAL_FAILURE_MESSAGE } from "../../src/jobs/errors";
import { MAX_JOB_ATTEMPTS, queueFor, type JobMessage } from "../../src/jobs/queue";
import { findJob } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { chargedJobRow, waitForJob } from "../helpers/jobs";
import { expectLedgerConsistent } from "../helpers/wallet";

type QueueBinding = "JOBS" | "FIX_JOBS";

describe("job queues: one per step", () => {
  it("a background removal's model step uses the JOBS binding; its other steps and AI fix jobs the FIX_JOBS binding", () => {
    expect(env.JOBS).toBeDefined();
    expect(env.FIX_JOBS).toBeDefined();
    expect(env.FIX_JOBS).not.toBe(env.JOBS);
    expect(queueFor(env as Env, "bg_remove")).toBe(env.FIX_JOBS);
    expect(queueFor(env as Env, "bg_remove", "prepare")).toBe(env.FIX_JOBS);
    expect(queueFor(env as Env, "bg_remove", "segment")).toBe(env.JOBS);
    expect(queueFor(env as Env, "bg_remove", "composite")).toBe(env.FIX_JOBS);
    expect(queueFor(env as Env, "ai_fix")).toBe(env.FIX_JOBS);
    expect(() => queueFor(env as Env, "ai_fix", "segment")).toThrow(/no step "segment"/);
  });

  it("creating a job sends its first step's message only, and the job is consumed from there", async () => {
    const shop = await signUp("queues");
    await grant(shop.id, 1000);
    // The real bindings, with every message they are given noted on the way.
    const sent: Record<QueueBinding, JobMessage[]> = { JOBS: [], FIX_JOBS: [] };
    const noting = (binding: QueueBinding) =>
      ({
        send: (message: JobMessage, options?: QueueSendOptions) => {
          sent[binding].push(message);
          return env[binding].send(message, options);
        },
      }) as unknown as Queue<JobMessage>;
    const routed: Env = { ...(env as Env), JOBS: noting("JOBS"), FIX_JOBS: noting("FIX_JOBS") };

    const checked = await api("/v1/services/preflight/checks", {
      token: shop.token,
      body: { designId: "queues", fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), fileType: "jpeg", productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 },
    });
    expect(checked.status, JSON.stringify(checked.body)).toBe(201);
    const fix = await createFixJob(routed, shop.id, { preflightReportId: checked.body.data.reportId, options: { fixTypes: ["upscale_resolution_2x"] } });
    const removal = await createBgRemoval(routed, shop.id, {
      image_url: fixtureUrl("bg/composite-logo.png"),
      subject_type: "logo",
      edge_softness: 0,
      high_detail_mode: false,
      output_background: "transparent",
      crop: false,
      crop_margin: "0",
    });

    expect(sent).toEqual({
      JOBS: [],
      FIX_JOBS: [
        { jobId: fix.id, accountId: shop.id, kind: "ai_fix" },
        { jobId: removal.id, accountId: shop.id, kind: "bg_remove" },
      ],
    });
    const fixed = (await waitForJob(`/v1/services/preflight/ai-jobs/${fix.id}`, shop.token)).data;
    expect(fixed).toMatchObject({ status: "completed", appliedFixTypes: ["upscale_resolution_2x"], tokensCharged: 30 });
    const removed = await waitForJob(`/v1/services/bg-remove/${removal.id}`, shop.token);
    expect(removed).toMatchObject({ status: "completed", tokens_deducted: removal.tokensDeducted });
    expect(removed.output_url).toEqual(expect.any(String));
  });

  it("a consumer Worker never runs a step that is not its own: the message is retried, and its last delivery fails and refunds the job", async () => {
    const shop = await signUp("queues-misrouted");
    await grant(shop.id, 150);
    const job = await chargedJobRow(shop.id);
    const deliver = async (attempts: number) => {
      // The model step belongs to the background removal Worker.
      const body: JobMessage = { jobId: job.id, accountId: shop.id, kind: "bg_remove", stage: "segment" };
      const batch = createMessageBatch("printcart-fix-jobs", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
      const ctx = createExecutionContext();
      await fixesConsumer.queue(batch, env as Env);
      return getQueueResult(batch, ctx);
    };

    const first = await deliver(1);
    expect(first.explicitAcks).toEqual([]);
    expect(first.retryMessages).toHaveLength(1);
    expect(await findJob(env as Env, job.id)).toMatchObject({ status: "processing", attempts: 0 });

    const last = await deliver(MAX_JOB_ATTEMPTS);
    expect(last.explicitAcks).toHaveLength(1);
    expect(await findJob(env as Env, job.id)).toMatchObject({ status: "failed", errorMessage: INTERNAL_FAILURE_MESSAGE, attempts: 0 });
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 150, held: 0 });
  });
});
