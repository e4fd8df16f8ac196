import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../helpers/test-worker";
import { DEAD_LETTER_QUEUE } from "../../src/jobs/queue";
import { findJob, updateJob } from "../../src/jobs/store";
import type { Env } from "../../src/platform/env";
import { walletOf } from "../../src/wallet/wallet";
import { api, grant, signUp, workerFetch } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { cutOut, download, waitForJob } from "../helpers/jobs";
import { ensureModel } from "../helpers/model";
import { expectLedgerConsistent } from "../helpers/wallet";

/** Delivers a message to the Worker's real queue handler, as the Queues runtime would. */
async function deliver(queue: string, body: unknown, attempts = 1) {
  const batch = createMessageBatch(queue, [{ id: crypto.randomUUID(), timestamp: new Date(), attempts, body }]);
  const ctx = createExecutionContext();
  await (worker.queue as ExportedHandlerQueueHandler<Env>)(batch, env as Env, ctx);
  return getQueueResult(batch, ctx);
}

describe("job delivery", () => {
  beforeAll(() => ensureModel(), 120_000);

  it("charges once and ends once when the same job is delivered again and concurrently", async () => {
    const shop = await signUp("dup");
    await grant(shop.id, 1_000);
    const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: fixtureUrl("bg/coffee.jpg"), subject_type: "product" } });
    const message = { jobId: created.body.job_id, accountId: shop.id, kind: "bg_remove" };
    const results = await Promise.all([deliver("printcart-fix-jobs", message), deliver("printcart-fix-jobs", message)]);
    expect(results.every((r: { explicitAcks: string[] }) => r.explicitAcks.length === 1)).toBe(true);
    const done = await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, shop.token);
    expect(done.status, done.error_message ?? "").toBe("completed");
    // A late duplicate after completion changes nothing.
    await deliver("printcart-fix-jobs", message, 2);
    await deliver(DEAD_LETTER_QUEUE, message, 4);
    expect((await api(`/v1/services/bg-remove/${created.body.job_id}`, { token: shop.token })).body.status).toBe("completed");
    const entries = (await walletOf(env, shop.id).entries()).filter((e) => e.jobId === created.body.job_id);
    expect(entries.map((e) => e.type)).toEqual(["debit", "capture"]);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 850, held: 0 });
  });

  it("fails and refunds a job whose deliveries all crashed (dead-letter queue), racing the consumer", async () => {
    const other = await signUp("dlq");
    await grant(other.id, 150);
    const stuck = await api("/v1/services/bg-remove", { token: other.token, body: { image_url: fixtureUrl("", "endless") } });
    const message = { jobId: stuck.body.job_id, accountId: other.id, kind: "bg_remove" };
    await Promise.all([deliver(DEAD_LETTER_QUEUE, message, 4), deliver(DEAD_LETTER_QUEUE, message, 4)]);
    const done = await waitForJob(`/v1/services/bg-remove/${stuck.body.job_id}`, other.token);
    expect(done.status).toBe("failed");
    const refunds = (await walletOf(env, other.id).entries()).filter((e) => e.type === "refund");
    expect(refunds).toHaveLength(1);
    expect(await expectLedgerConsistent(other.id)).toEqual({ balance: 150, held: 0 });
  });

  it("completes, not refunds, a job whose consumer died after the charge became final", async () => {
    const shop = await signUp("late");
    await grant(shop.id, 150);
    const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: fixtureUrl("bg/coffee.jpg"), subject_type: "product" } });
    const done = await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, shop.token);
    expect(done.status).toBe("completed");
    // Rewind the D1 status only, as if the consumer had captured the hold and then died.
    await updateJob(env, created.body.job_id, { status: "processing", completedAt: null });
    await deliver(DEAD_LETTER_QUEUE, { jobId: created.body.job_id, accountId: shop.id, kind: "bg_remove" }, 4);
    const job = await findJob(env, created.body.job_id);
    expect(job?.status).toBe("completed");
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 0, held: 0 });
  });

  it("runs two jobs delivered to one isolate at once exactly as it runs each alone", async () => {
    const shop = await signUp("pair");
    await grant(shop.id, 600);
    const bodies = [
      { image_url: fixtureUrl("bg/coffee.jpg"), subject_type: "product" },
      { image_url: fixtureUrl("bg/chelsea.jpg"), subject_type: "auto" },
    ];
    // Alone: one after the other.
    const alone = [];
    for (const body of bodies) alone.push((await cutOut(shop.token, body)).file.bytes);
    // Together: both JPEGs share the isolate's decoder and model session.
    const created = await Promise.all(bodies.map((body) => api("/v1/services/bg-remove", { token: shop.token, body })));
    await Promise.all(created.map((c) => deliver("printcart-fix-jobs", { jobId: c.body.job_id, accountId: shop.id, kind: "bg_remove" })));
    for (const [i, c] of created.entries()) {
      const done = await waitForJob(`/v1/services/bg-remove/${c.body.job_id}`, shop.token);
      expect(done.status, done.error_message ?? "").toBe("completed");
      expect((await download(done.output_url)).bytes).toEqual(alone[i]);
    }
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 0, held: 0 });
  });

  it("acks and drops a malformed message", async () => {
    const result = await deliver("printcart-fix-jobs", { hello: "world" });
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toHaveLength(0);
  });
});

describe("Idempotency-Key", () => {
  beforeAll(() => ensureModel(), 120_000);

  it("replays the first response and charges once", async () => {
    const shop = await signUp("idem");
    await grant(shop.id, 1_000);
    const body = { image_url: fixtureUrl("bg/coffee.jpg"), subject_type: "product" };
    const headers = { "idempotency-key": `order-${shop.id}` };
    const replies = await Promise.all([1, 2, 3].map(() => api("/v1/services/bg-remove", { token: shop.token, body, headers })));
    const accepted = replies.filter((r) => r.status === 202);
    // Concurrent copies of a request still running get 409; the finished one is replayed.
    for (const r of replies.filter((r) => r.status !== 202)) expect(r.status).toBe(409);
    const later = await api("/v1/services/bg-remove", { token: shop.token, body, headers });
    expect(later.status).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect(new Set([...accepted, later].map((r) => r.body.job_id)).size).toBe(1);
    const conflict = await api("/v1/services/bg-remove", { token: shop.token, body: { ...body, subject_type: "logo" }, headers });
    expect(conflict.status).toBe(409);
    expect((await walletOf(env, shop.id).entries()).filter((e) => e.type === "debit")).toHaveLength(1);
    await waitForJob(`/v1/services/bg-remove/${later.body.job_id}`, shop.token);
  });
});

describe("uploads and signed links", () => {
  beforeAll(() => ensureModel(), 120_000);

  it("uploads a photo, removes its background and serves the result by signed link only", async () => {
    const shop = await signUp("upload");
    await grant(shop.id, 150);
    const photo = await (await fetch(fixtureUrl("bg/coffee.jpg"))).arrayBuffer();
    const uploaded = await api("/v1/services/uploads", {
      method: "POST",
      token: shop.token,
      headers: { "content-type": "image/jpeg" },
      rawBody: photo,
    });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body.data).toMatchObject({ bytes: photo.byteLength, contentType: "image/jpeg" });
    expect(Date.parse(uploaded.body.data.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600 * 1000);

    const created = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: uploaded.body.data.fileUrl, subject_type: "product" } });
    const done = await waitForJob(`/v1/services/bg-remove/${created.body.job_id}`, shop.token);
    expect(done.status, done.error_message).toBe("completed");

    const url = new URL(done.output_url);
    expect((await download(url.toString())).status).toBe(200);
    const tampered = new URL(url);
    tampered.searchParams.set("expires", String(Number(url.searchParams.get("expires")) + 3600));
    expect((await download(tampered.toString())).status).toBe(403);
    const otherFile = new URL(url);
    otherFile.pathname = otherFile.pathname.replace("output.png", "source.png");
    expect((await download(otherFile.toString())).status).toBe(403);
    const expired = await workerFetch(`${url.pathname}?expires=1000&signature=${url.searchParams.get("signature")}`);
    expect(expired.status).toBe(403);
    expect((await expired.json<{ error: string }>()).error).toBe("FORBIDDEN");
  });

  it("takes multipart uploads and refuses what no service can read", async () => {
    const shop = await signUp("upload2");
    const form = new FormData();
    form.append("file", new Blob([await (await fetch(fixtureUrl("bg/composite-logo.png"))).arrayBuffer()]), "logo.png");
    const ok = await api("/v1/services/uploads", { method: "POST", token: shop.token, rawBody: form });
    expect(ok.status).toBe(201);
    expect(ok.body.data.contentType).toBe("image/png");
    const text = await api("/v1/services/uploads", { method: "POST", token: shop.token, headers: { "content-type": "text/plain" }, rawBody: "hello" });
    expect(text.status).toBe(415);
    const empty = await api("/v1/services/uploads", { method: "POST", token: shop.token, headers: { "content-type": "image/png" }, rawBody: new Uint8Array(0) });
    expect(empty.status).toBe(400);
    const huge = await api("/v1/services/uploads", {
      method: "POST",
      token: shop.token,
      headers: { "content-type": "image/png" },
      // One byte over MAX_SOURCE_BYTES, stated in its Content-Length: refused before it is read.
      rawBody: new Uint8Array(Number(env.MAX_SOURCE_BYTES) + 1),
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toBe("PAYLOAD_TOO_LARGE");
    expect((await api("/v1/services/uploads", { method: "POST", rawBody: "x" })).status).toBe(401);
  });
});
