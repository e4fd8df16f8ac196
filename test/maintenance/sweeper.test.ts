// Holds have deadlines, and nothing is held, stuck or stored for ever: the
// wallet's alarm refunds holds at their deadline and pushes what D1 lacks;
// the sweeper (the API Worker's scheduled handler) fails overdue jobs,
// refunds open holds its alarm missed, and deletes old uploads.
import { createExecutionContext, createScheduledController, runDurableObjectAlarm, runInDurableObject, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import api from "../../src/index";
import { jobOutputKey } from "../../src/files/keys";
import { jobDeadlineMessage } from "../../src/maintenance/sweeper";
import { findJob } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { DEFAULT_JOB_DEADLINE_SECONDS } from "../../src/platform/settings";
import { HOLD_EXPIRED_REASON } from "../../src/wallet/account-wallet";
import { chargeForJob, walletOf } from "../../src/wallet/wallet";
import { grant, signUp, api as call } from "../helpers/api";
import { chargedJobRow } from "../helpers/jobs";
import { expectLedgerConsistent } from "../helpers/wallet";

const HOUR = 3_600_000;

async function charge(accountId: string, tokens = 150): Promise<string> {
  const jobId = `job_${crypto.randomUUID().replace(/-/g, "")}`;
  await chargeForJob(env as Env, { accountId, service: "bg-remove", jobId, tokens, idempotencyKey: jobId });
  return jobId;
}

/** Moves the wallet's clock-dependent records of a hold back, as if `ms` had passed. */
async function ageHold(accountId: string, jobId: string, ms: number) {
  await runInDurableObject(walletOf(env, accountId), async (_instance, state) => {
    state.storage.sql.exec("UPDATE holds SET expires_at = expires_at - ? WHERE job_id = ?", ms, jobId);
  });
}

async function runSweeper(scheduledTime = Date.now()) {
  const ctx = createExecutionContext();
  await (api.scheduled as ExportedHandlerScheduledHandler<Env>)(createScheduledController({ scheduledTime, cron: "*/5 * * * *" }), env as Env, ctx);
  await waitOnExecutionContext(ctx);
}

async function entriesOf(accountId: string) {
  return (await walletOf(env, accountId).entries()).map((e) => ({ type: e.type, amount: e.amount, jobId: e.jobId, reason: e.reason }));
}

describe("hold deadlines in the wallet", () => {
  it("gives every hold a deadline JOB_DEADLINE_SECONDS after the debit", async () => {
    const shop = await signUp("deadline");
    await grant(shop.id, 300);
    const before = Date.now();
    const jobId = await charge(shop.id);
    const hold = await walletOf(env, shop.id).holdOf(jobId);
    expect(hold?.expiresAt).toBeGreaterThanOrEqual(before + DEFAULT_JOB_DEADLINE_SECONDS * 1000);
    expect(hold?.expiresAt).toBeLessThanOrEqual(Date.now() + DEFAULT_JOB_DEADLINE_SECONDS * 1000);
  });

  it("refunds, by its alarm, a hold whose job was never recorded once its deadline passes, exactly once", async () => {
    const shop = await signUp("orphan-hold");
    await grant(shop.id, 300);
    const jobId = await charge(shop.id);
    const stub = walletOf(env, shop.id);
    // Before the deadline the alarm refunds nothing.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.holdOf(jobId))?.state).toBe("held");
    // The alarm left is the hold's deadline.
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe((await stub.holdOf(jobId))?.expiresAt);

    await ageHold(shop.id, jobId, DEFAULT_JOB_DEADLINE_SECONDS * 1000 + 1);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.holdOf(jobId))?.state).toBe("refunded");
    await stub.sweep(); // again: nothing more
    expect((await entriesOf(shop.id)).filter((e) => e.jobId === jobId)).toEqual([
      { type: "debit", amount: -150, jobId, reason: null },
      { type: "refund", amount: 150, jobId, reason: HOLD_EXPIRED_REASON },
    ]);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 300, held: 0 });
    // No open hold and nothing to push: no alarm is left.
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).toBeNull();
  });

  it("pushes entries an evicted object did not mirror, by the alarm set with the movement", async () => {
    const shop = await signUp("evicted");
    const stub = walletOf(env, shop.id);
    await grant(shop.id, 500);
    // As if the object had been evicted after writing the entry and before D1 had it.
    await env.DB.prepare("DELETE FROM wallet_transactions WHERE account_id = ?").bind(shop.id).run();
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE ledger SET mirrored = 0");
    });
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).not.toBeNull();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const mirrored = await env.DB.prepare("SELECT id, type, amount FROM wallet_transactions WHERE account_id = ?").bind(shop.id).all();
    expect(mirrored.results).toEqual([{ id: "TX-00001", type: "grant", amount: 500 }]);
  });
});

describe("the sweeper (scheduled handler)", () => {
  it("fails a job stuck past its deadline, refunds it once and deletes its stored output", async () => {
    const shop = await signUp("stuck");
    await grant(shop.id, 150);
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR).toISOString();
    const job = await chargedJobRow(shop.id, { createdAt: twoHoursAgo, startedAt: twoHoursAgo, updatedAt: twoHoursAgo, attempts: 1 });
    const outputKey = jobOutputKey(shop.id, job.id, "png");
    await env.FILES.put(outputKey, new Uint8Array([137, 80, 78, 71]));
    await runSweeper();
    const after = await findJob(env as Env, job.id);
    expect(after?.status).toBe("failed");
    expect(after?.errorMessage).toBe(jobDeadlineMessage(DEFAULT_JOB_DEADLINE_SECONDS));
    expect(after?.errorMessage).toBe("The job did not finish within 60 minutes; its tokens were refunded.");
    expect(await env.FILES.head(outputKey)).toBeNull();
    await runSweeper();
    expect((await entriesOf(shop.id)).map((e) => e.type)).toEqual(["grant", "debit", "refund"]);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 150, held: 0 });
    // A job inside its deadline is left alone.
    const fresh = await chargedJobRow(shop.id);
    await runSweeper();
    expect((await findJob(env as Env, fresh.id))?.status).toBe("processing");
  });

  it("refunds an open hold whose alarm was lost, found through the D1 mirror", async () => {
    const shop = await signUp("lost-alarm");
    await grant(shop.id, 150);
    const jobId = await charge(shop.id);
    await ageHold(shop.id, jobId, 2 * HOUR);
    await env.DB.prepare("UPDATE wallet_transactions SET created_at = ? WHERE account_id = ? AND job_id = ?")
      .bind(new Date(Date.now() - 2 * HOUR).toISOString(), shop.id, jobId)
      .run();
    await runInDurableObject(walletOf(env, shop.id), (_i, state) => state.storage.deleteAlarm());
    await runSweeper();
    expect((await entriesOf(shop.id)).map((e) => e.type)).toEqual(["grant", "debit", "refund"]);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 150, held: 0 });
  });

  it("deletes uploads older than UPLOAD_RETENTION_DAYS (7) and keeps newer ones", async () => {
    const shop = await signUp("uploads");
    const png = Uint8Array.from(atob("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="), (c) => c.charCodeAt(0));
    const uploaded = await call("/v1/services/uploads", { token: shop.token, rawBody: png, headers: { "content-type": "image/png" } });
    expect(uploaded.status).toBe(201);
    const key = () => env.FILES.list({ prefix: `uploads/${shop.id}/` }).then((l) => l.objects.length);
    expect(await key()).toBe(1);
    await runSweeper(Date.now() + 6 * 24 * HOUR);
    expect(await key()).toBe(1);
    await runSweeper(Date.now() + 7 * 24 * HOUR + HOUR);
    expect(await key()).toBe(0);
  });

  it("deletes files a job's steps left behind once the job deadline (60 min) has passed", async () => {
    const prefix = `work/acct_sweep/job_left/`;
    await env.FILES.put(`${prefix}guide`, new Uint8Array(16));
    const left = () => env.FILES.list({ prefix }).then((l) => l.objects.length);
    await runSweeper(Date.now() + 50 * 60 * 1000);
    expect(await left()).toBe(1);
    await runSweeper(Date.now() + 61 * 60 * 1000);
    expect(await left()).toBe(0);
  });
});
