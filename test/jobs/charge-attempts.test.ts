// An Idempotency-Key's charge lives exactly as long as the key's 24 h window,
// and a refunded charge is never reused: a retry after a 5xx is charged
// afresh, and every job ends completed or failed (src/wallet/request-log.ts,
// src/jobs/create-job.ts, src/jobs/settle.ts).
import { createExecutionContext, createMessageBatch, getQueueResult, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../helpers/test-worker";
import { jobOutputKey } from "../../src/files/keys";
import { REFUNDED_BEFORE_DONE, completeJob } from "../../src/jobs/settle";
import { findJob } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { REQUEST_LOG_TTL_MS } from "../../src/wallet/request-log";
import { refundJob, walletOf } from "../../src/wallet/wallet";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { chargedJobRow, waitForJob } from "../helpers/jobs";
import { expectLedgerConsistent } from "../helpers/wallet";

/** A report of a small 72-dpi photo: an upscale 2× fix job from it costs 30 tokens. */
async function lowResolutionReport(token: string): Promise<string> {
  const checked = await api("/v1/services/preflight/checks", {
    token,
    body: { designId: "charges", fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), fileType: "jpeg", productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 },
  });
  expect(checked.status, JSON.stringify(checked.body)).toBe(201);
  return checked.body.data.reportId;
}

function createFix(token: string, reportId: string, key: string, fixTypes = ["upscale_resolution_2x"]) {
  return api("/v1/services/preflight/ai-jobs", {
    token,
    headers: { "idempotency-key": key },
    body: { preflightReportId: reportId, options: { fixTypes } },
  });
}

async function ledgerOf(accountId: string) {
  return (await walletOf(env, accountId).entries()).map((e) => ({ type: e.type, amount: e.amount, jobId: e.jobId }));
}

describe("Idempotency-Key and the charge it keys", () => {
  it("a key reused after its 24 h is a new request: charged and run again, even with another body", async () => {
    const shop = await signUp("key-window");
    await grant(shop.id, 1_000);
    const reportId = await lowResolutionReport(shop.token);
    const first = await createFix(shop.token, reportId, "order-7");
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    await waitForJob(`/v1/services/preflight/ai-jobs/${first.body.data.jobId}`, shop.token);

    // A day and an hour pass for the stored key (the wallet's clock is the runtime's).
    await runInDurableObject(walletOf(env, shop.id), async (_instance, state) => {
      state.storage.sql.exec("UPDATE requests SET started_at = started_at - ?", REQUEST_LOG_TTL_MS + 3_600_000);
    });

    const later = await createFix(shop.token, reportId, "order-7", ["upscale_resolution_4x"]);
    expect(later.status, JSON.stringify(later.body)).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(later.body.data.jobId).not.toBe(first.body.data.jobId);
    expect(later.body.data.estimatedTokenCost).toEqual({ min: 50, max: 50 });
    const done = await waitForJob(`/v1/services/preflight/ai-jobs/${later.body.data.jobId}`, shop.token);
    expect(done.data.status).toBe("completed");
    const debits = (await ledgerOf(shop.id)).filter((e) => e.type === "debit");
    expect(debits).toEqual([
      { type: "debit", amount: -30, jobId: first.body.data.jobId },
      { type: "debit", amount: -50, jobId: later.body.data.jobId },
    ]);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 1_000 - 30 - 50, held: 0 });
  });

  it("within the window, the same key on another body or another endpoint is 409 and charges nothing", async () => {
    const shop = await signUp("key-scope");
    await grant(shop.id, 1_000);
    const reportId = await lowResolutionReport(shop.token);
    const first = await createFix(shop.token, reportId, "cart-1");
    expect(first.status).toBe(202);
    const otherBody = await createFix(shop.token, reportId, "cart-1", ["upscale_resolution_4x"]);
    expect(otherBody.status).toBe(409);
    expect(otherBody.body.error).toBe("CONFLICT");
    const otherPath = await api("/v1/services/bg-remove", {
      token: shop.token,
      headers: { "idempotency-key": "cart-1" },
      body: { preflightReportId: reportId, options: { fixTypes: ["upscale_resolution_2x"] } },
    });
    expect(otherPath.status).toBe(409);
    expect((await ledgerOf(shop.id)).filter((e) => e.type === "debit")).toHaveLength(1);
    await waitForJob(`/v1/services/preflight/ai-jobs/${first.body.data.jobId}`, shop.token);
  });

  it("a retry after the job could not be recorded (503) is charged afresh and runs; the first charge stays refunded", async () => {
    const shop = await signUp("retry-5xx");
    await grant(shop.id, 1_000);
    const reportId = await lowResolutionReport(shop.token);
    // D1 refuses this account's job rows, as an unavailable database would.
    await env.DB.exec(`CREATE TRIGGER refuse_jobs_${shop.id.replace(/\W/g, "")} BEFORE INSERT ON jobs WHEN NEW.account_id = '${shop.id}' BEGIN SELECT RAISE(ABORT, 'jobs unavailable'); END;`);
    const refused = await createFix(shop.token, reportId, "order-42");
    await env.DB.exec(`DROP TRIGGER refuse_jobs_${shop.id.replace(/\W/g, "")};`);
    expect(refused.status).toBe(503);
    expect(refused.body.error).toBe("SERVICE_UNAVAILABLE");
    expect((await ledgerOf(shop.id)).map((e) => e.type)).toEqual(["grant", "debit", "refund"]);

    const retried = await createFix(shop.token, reportId, "order-42");
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect(retried.headers.get("idempotent-replayed")).toBeNull();
    const done = await waitForJob(`/v1/services/preflight/ai-jobs/${retried.body.data.jobId}`, shop.token);
    expect(done.data.status).toBe("completed");
    const ledger = await ledgerOf(shop.id);
    expect(ledger.map((e) => e.type)).toEqual(["grant", "debit", "refund", "debit", "capture"]);
    // The job ran on the second charge, not on the refunded first one.
    expect(ledger[3]!.jobId).toBe(retried.body.data.jobId);
    expect(ledger[1]!.jobId).not.toBe(retried.body.data.jobId);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 970, held: 0 });
    // And the finished request is replayed as it ended.
    const replay = await createFix(shop.token, reportId, "order-42");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.data.jobId).toBe(retried.body.data.jobId);
  });
});

describe("a job whose hold was refunded", () => {
  it("is failed by the consumer without doing the work", async () => {
    const shop = await signUp("refunded-first");
    await grant(shop.id, 150);
    const job = await chargedJobRow(shop.id);
    await refundJob(env as Env, shop.id, job.id, "hold deadline passed");
    const batch = createMessageBatch("printcart-fix-jobs", [{ id: crypto.randomUUID(), timestamp: new Date(), attempts: 1, body: { jobId: job.id, accountId: shop.id, kind: "bg_remove" } }]);
    const ctx = createExecutionContext();
    await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch, env as Env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toHaveLength(1);
    const after = await findJob(env as Env, job.id);
    expect(after?.status).toBe("failed");
    expect(after?.errorMessage).toBe(REFUNDED_BEFORE_DONE);
    expect(after?.attempts).toBe(0); // never started
    expect((await env.FILES.list({ prefix: `outputs/${shop.id}/` })).objects).toHaveLength(0);
    expect((await ledgerOf(shop.id)).map((e) => e.type)).toEqual(["grant", "debit", "refund"]);
  });

  it("ends failed, not processing, when its work finishes after the refund; the output is deleted", async () => {
    const shop = await signUp("refunded-late");
    await grant(shop.id, 150);
    const job = await chargedJobRow(shop.id);
    const outputKey = jobOutputKey(shop.id, job.id, "png");
    await env.FILES.put(outputKey, new Uint8Array([1, 2, 3]));
    await refundJob(env as Env, shop.id, job.id, "hold deadline passed");
    const ended = await completeJob(env as Env, job, { outputKey, outputContentType: "image/png", result: {} });
    expect(ended.status).toBe("failed");
    expect(ended.outputKey).toBeNull();
    expect(await env.FILES.head(outputKey)).toBeNull();
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 150, held: 0 });
  });
});
