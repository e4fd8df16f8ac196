// Webhooks (src/webhooks/): endpoints, Standard Webhooks signatures checked
// with the `standardwebhooks` package (a verifier written elsewhere), delivery
// through the real queue to a receiver on the loopback fixture server, retries,
// rotation and disabling.
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { attemptDelivery } from "../../src/webhooks/deliver";
import { signedHeaders } from "../../src/webhooks/signing";
import type { Env } from "../../src/platform/env";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { waitForJob } from "../helpers/jobs";
import { mint, shopWithOrigin, fromPage } from "../widgets/helpers";

interface Received {
  headers: Record<string, string>;
  body: string;
  at: number;
}

const hookUrl = (name: string, query = "") => `${fixtureUrl(name, "hooks")}${query}`;
async function received(name: string): Promise<Received[]> {
  return (await fetch(fixtureUrl(name, "hooks"))).json();
}
async function waitForDeliveries(name: string, count: number, timeoutMs = 30_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = await received(name);
    if (got.length >= count) return got;
    if (Date.now() > deadline) throw new Error(`${name}: ${got.length} of ${count} deliveries after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
/** Until the queue's own first attempt is recorded, so the test's attempts come after it. */
async function waitForAttempts(token: string, endpointId: string, attempts: number): Promise<void> {
  for (let i = 0; i < 120; i++) {
    const log = await api(`/v1/webhooks/${endpointId}/deliveries`, { token });
    if ((log.body.data[0]?.attempts ?? 0) >= attempts) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the first attempt was not recorded");
}
const unique = (label: string) => `${label}-${crypto.randomUUID()}`;

async function register(token: string, url: string, events: string[] = ["bg_remove.completed", "bg_remove.failed"]) {
  const created = await api("/v1/webhooks", { token, body: { url, events, description: "order pipeline" } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.data as { id: string; secret: string };
}

describe("Standard Webhooks signatures", () => {
  it("verify with standardwebhooks, and with either secret when two sign", async () => {
    const a = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const b = "whsec_" + btoa("another secret of 32 bytes!!!!!!");
    const body = JSON.stringify({ type: "bg_remove.completed", timestamp: new Date().toISOString(), data: { job_id: "x" } });
    const headers = await signedHeaders([a, b], "msg_1", Math.floor(Date.now() / 1000), body);
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(a).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new Webhook(b).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook("whsec_" + btoa("not the secret")).verify(body, headers)).toThrow();
    expect(() => new Webhook(a).verify(body.replace("x", "y"), headers)).toThrow();
  });
});

describe("webhook endpoints", () => {
  it("registers, lists, reads, changes and deletes; the secret is shown once", async () => {
    const shop = await signUp("hooks-crud");
    const first = await register(shop.token, hookUrl(unique("crud")));
    expect(first.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const second = await register(shop.token, hookUrl(unique("crud")), ["preflight.check.completed"]);
    const read = await api(`/v1/webhooks/${first.id}`, { token: shop.token });
    expect(read.status).toBe(200);
    expect(read.body.data).toMatchObject({ id: first.id, events: ["bg_remove.completed", "bg_remove.failed"], description: "order pipeline", status: "enabled" });
    expect(JSON.stringify(read.body)).not.toContain(first.secret);

    const page1 = await api("/v1/webhooks?limit=1", { token: shop.token });
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual([second.id]);
    const page2 = await api(`/v1/webhooks?limit=1&cursor=${page1.body.meta.nextCursor}`, { token: shop.token });
    expect(page2.body.data.map((e: { id: string }) => e.id)).toEqual([first.id]);
    expect(page2.body.meta.nextCursor).toBeNull();

    const patched = await api(`/v1/webhooks/${first.id}`, { method: "PATCH", token: shop.token, body: { events: ["ai_job.completed"], description: null } });
    expect(patched.body.data).toMatchObject({ events: ["ai_job.completed"], description: null });
    const deleted = await api(`/v1/webhooks/${first.id}`, { method: "DELETE", token: shop.token });
    expect(deleted.body).toEqual({ data: { id: first.id, deleted: true } });
    expect((await api(`/v1/webhooks/${first.id}`, { token: shop.token })).status).toBe(404);
  });

  it("refuses loopback URLs that are not allow-listed, unknown events, other accounts and widget tokens", async () => {
    const shop = await signUp("hooks-refused");
    const privateUrl = await api("/v1/webhooks", { token: shop.token, body: { url: "http://127.0.0.2:8080/hook", events: ["bg_remove.completed"] } });
    expect(privateUrl.status).toBe(400);
    expect(privateUrl.body.issues[0].path).toBe("url");
    const unknownEvent = await api("/v1/webhooks", { token: shop.token, body: { url: hookUrl("x"), events: ["job.done"] } });
    expect(unknownEvent.status).toBe(400);
    const none = await api("/v1/webhooks", { token: shop.token, body: { url: hookUrl("x"), events: [] } });
    expect(none.status).toBe(400);

    const mine = await register(shop.token, hookUrl(unique("mine")));
    const other = await signUp("hooks-other");
    expect((await api(`/v1/webhooks/${mine.id}`, { token: other.token })).status).toBe(404);
    expect((await api(`/v1/webhooks/${mine.id}/rotate-secret`, { method: "POST", token: other.token })).status).toBe(404);

    const widgetShop = await shopWithOrigin();
    const { token } = await mint(widgetShop, { services: ["dpi-score"] });
    const asWidget = await fromPage(widgetShop.origin, "/v1/webhooks", { token, body: { url: hookUrl("x"), events: ["bg_remove.completed"] } });
    expect(asWidget.status).toBe(403);
  });
});

describe("deliveries", () => {
  it("delivers ai_job.completed, signed, with data equal to what GET returns", async () => {
    const shop = await signUp("hooks-fix");
    await grant(shop.id, 100);
    const name = unique("fix");
    const endpoint = await register(shop.token, hookUrl(name), ["ai_job.completed", "ai_job.failed", "preflight.check.completed"]);
    const checked = await api("/v1/services/preflight/checks", {
      token: shop.token,
      body: { designId: "hooks", fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), fileType: "jpeg", productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 },
    });
    expect(checked.status).toBe(201);
    const job = await api("/v1/services/preflight/ai-jobs", { token: shop.token, body: { preflightReportId: checked.body.data.reportId, options: { fixTypes: ["upscale_resolution_2x"] } } });
    expect(job.status).toBe(202);
    const done = await waitForJob(`/v1/services/preflight/ai-jobs/${job.body.data.jobId}`, shop.token);
    const [check, completed] = await waitForDeliveries(name, 2);
    const verify = (r: Received) => new Webhook(endpoint.secret).verify(r.body, r.headers) as { type: string; timestamp: string; data: any };

    const checkEvent = verify(check!);
    expect(checkEvent.type).toBe("preflight.check.completed");
    expect(checkEvent.data).toEqual(checked.body.data);
    const event = verify(completed!);
    expect(event.type).toBe("ai_job.completed");
    expect(completed!.headers["content-type"]).toBe("application/json");
    // The GET's signed link is made per response; everything else is the same object.
    const { correctedFileUrl: sent, ...sentRest } = event.data;
    const { correctedFileUrl: got, ...gotRest } = done.data;
    expect(sentRest).toEqual(gotRest);
    expect(new URL(sent).pathname).toBe(new URL(got).pathname);

    const log = await api(`/v1/webhooks/${endpoint.id}/deliveries`, { token: shop.token });
    expect(log.body.data.map((d: { eventType: string; status: string; attempts: number; responseStatus: number }) => [d.eventType, d.status, d.attempts, d.responseStatus])).toEqual([
      ["ai_job.completed", "succeeded", 1, 204],
      ["preflight.check.completed", "succeeded", 1, 204],
    ]);
    expect(log.body.data[0].id).toBe(completed!.headers["webhook-id"]);
  });

  it("retries after 500s on the schedule, then succeeds; a manual retry sends it again", async () => {
    const shop = await signUp("hooks-retry");
    const name = unique("retry");
    const endpoint = await register(shop.token, hookUrl(name, "?status=500&times=2"));
    const test = await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", token: shop.token });
    expect(test.status).toBe(202);
    const deliveryId = test.body.data.id;
    await waitForAttempts(shop.token, endpoint.id, 1);
    // The first retry waits 5 s (the schedule's first step): run the attempts now instead.
    let row = (await api(`/v1/webhooks/${endpoint.id}/deliveries`, { token: shop.token })).body.data[0];
    expect(row).toMatchObject({ id: deliveryId, status: "pending", attempts: 1, responseStatus: 500, lastError: "The endpoint answered HTTP 500." });
    expect(Date.parse(row.nextAttemptAt) - Date.parse(row.createdAt)).toBeGreaterThanOrEqual(5_000);
    await attemptDelivery(env as Env, deliveryId);
    await attemptDelivery(env as Env, deliveryId);
    row = (await api(`/v1/webhooks/${endpoint.id}/deliveries`, { token: shop.token })).body.data[0];
    expect(row).toMatchObject({ status: "succeeded", attempts: 3, responseStatus: 204, lastError: null, nextAttemptAt: null });
    const all = await received(name);
    expect(new Set(all.map((r) => r.headers["webhook-id"]))).toEqual(new Set([deliveryId]));
    for (const r of all) expect(new Webhook(endpoint.secret).verify(r.body, r.headers)).toMatchObject({ type: "webhook.test" });

    const again = await api(`/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/retry`, { method: "POST", token: shop.token });
    expect(again.status).toBe(202);
    await waitForDeliveries(name, 4);
  });

  it("gives up after the last step of the schedule: failed, with the last response", async () => {
    const shop = await signUp("hooks-giveup");
    const name = unique("giveup");
    const endpoint = await register(shop.token, hookUrl(name, "?status=503"));
    const test = await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", token: shop.token });
    await waitForAttempts(shop.token, endpoint.id, 1);
    // Eight attempts in all: the first and the schedule's seven retries.
    for (let i = 0; i < 7; i++) await attemptDelivery(env as Env, test.body.data.id);
    const row = (await api(`/v1/webhooks/${endpoint.id}/deliveries`, { token: shop.token })).body.data[0];
    expect(row).toMatchObject({ status: "failed", attempts: 8, responseStatus: 503, nextAttemptAt: null });
    expect((await api(`/v1/webhooks/${endpoint.id}`, { token: shop.token })).body.data.status).toBe("enabled");
  });

  it("disables an endpoint that answers 410 Gone; re-enabling it is the account's choice", async () => {
    const shop = await signUp("hooks-gone");
    const name = unique("gone");
    const endpoint = await register(shop.token, hookUrl(name, "?status=410"));
    await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", token: shop.token });
    await waitForDeliveries(name, 1);
    let read = await api(`/v1/webhooks/${endpoint.id}`, { token: shop.token });
    for (let i = 0; i < 40 && read.body.data.status !== "disabled"; i++) {
      await new Promise((r) => setTimeout(r, 250));
      read = await api(`/v1/webhooks/${endpoint.id}`, { token: shop.token });
    }
    expect(read.body.data).toMatchObject({ status: "disabled", disabledReason: "The endpoint answered 410 Gone." });
    const log = await api(`/v1/webhooks/${endpoint.id}/deliveries`, { token: shop.token });
    expect(log.body.data[0]).toMatchObject({ status: "failed", attempts: 1, responseStatus: 410 });
    const enabled = await api(`/v1/webhooks/${endpoint.id}`, { method: "PATCH", token: shop.token, body: { enabled: true } });
    expect(enabled.body.data).toMatchObject({ status: "enabled", disabledReason: null });
  });

  it("disables an endpoint whose every attempt has failed for 5 days", async () => {
    const shop = await signUp("hooks-5days");
    const name = unique("down");
    const endpoint = await register(shop.token, hookUrl(name, "?status=502"));
    const test = await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", token: shop.token });
    await waitForAttempts(shop.token, endpoint.id, 1);
    expect((await api(`/v1/webhooks/${endpoint.id}`, { token: shop.token })).body.data.status).toBe("enabled");
    // Its first failure, moved back to 5 days and a second ago.
    const fiveDays = new Date(Date.now() - 5 * 24 * 3_600_000 - 1_000).toISOString();
    await env.DB.prepare("UPDATE webhook_endpoints SET failing_since = ? WHERE id = ?").bind(fiveDays, endpoint.id).run();
    await attemptDelivery(env as Env, test.body.data.id);
    expect((await api(`/v1/webhooks/${endpoint.id}`, { token: shop.token })).body.data).toMatchObject({
      status: "disabled",
      disabledReason: "Every delivery attempt failed for 5 days.",
    });
    // Nothing more is sent to a disabled endpoint.
    await attemptDelivery(env as Env, test.body.data.id);
    expect(await received(name)).toHaveLength(2);
    expect((await api(`/v1/webhooks/${endpoint.id}/deliveries`, { token: shop.token })).body.data[0]).toMatchObject({ status: "failed", lastError: "The endpoint was disabled or deleted." });
  });

  it("after a rotation, deliveries carry both signatures for a day; each secret verifies", async () => {
    const shop = await signUp("hooks-rotate");
    const name = unique("rotate");
    const endpoint = await register(shop.token, hookUrl(name));
    const rotated = await api(`/v1/webhooks/${endpoint.id}/rotate-secret`, { method: "POST", token: shop.token });
    expect(rotated.status).toBe(200);
    const { secret, previousSecretExpiresAt } = rotated.body.data;
    expect(secret).not.toBe(endpoint.secret);
    const hours = (Date.parse(previousSecretExpiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    await api(`/v1/webhooks/${endpoint.id}/test`, { method: "POST", token: shop.token });
    const [delivery] = await waitForDeliveries(name, 1);
    expect(delivery!.headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    expect(new Webhook(secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "webhook.test" });
    expect(new Webhook(endpoint.secret).verify(delivery!.body, delivery!.headers)).toMatchObject({ type: "webhook.test" });
  });

  it("sends wallet.balance_low once when a charge takes the balance below the threshold", async () => {
    const shop = await signUp("hooks-balance");
    await grant(shop.id, 100);
    const name = unique("balance");
    const endpoint = await register(shop.token, hookUrl(name), ["wallet.balance_low"]);
    const set = await api("/v1/wallet/low-balance-threshold", { method: "PUT", token: shop.token, body: { threshold: 50 } });
    expect(set.body).toEqual({ data: { lowBalanceThreshold: 50 } });
    const checked = await api("/v1/services/preflight/checks", {
      token: shop.token,
      body: { designId: "hooks", fileUrl: fixtureUrl("preflight/jpeg-rgb-72dpi.jpg"), fileType: "jpeg", productProfile: { requiredDpi: 300, bleedMm: 0 }, canvasWidthInches: 2, canvasHeightInches: 2 },
    });
    const fix = (fixTypes: string[]) => api("/v1/services/preflight/ai-jobs", { token: shop.token, body: { preflightReportId: checked.body.data.reportId, options: { fixTypes } } });
    expect((await fix(["upscale_resolution_2x"])).status).toBe(202); // 100 → 70: above 50
    expect((await fix(["upscale_resolution_2x"])).status).toBe(202); // 70 → 40: crosses
    expect((await fix(["upscale_resolution_2x"])).status).toBe(202); // 40 → 10: already below
    const [event] = await waitForDeliveries(name, 1);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await received(name)).toHaveLength(1);
    expect(new Webhook(endpoint.secret).verify(event!.body, event!.headers)).toMatchObject({
      type: "wallet.balance_low",
      data: { balance: 40, currency: "tokens", lowBalanceThreshold: 50 },
    });
  });
});
