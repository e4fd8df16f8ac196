// Webhooks against `npm run dev`: an endpoint on a receiver at 127.0.0.1 gets
// bg_remove.completed signed so that `standardwebhooks` (a verifier written
// elsewhere) accepts it, a delivery answered with 500 is retried until it
// succeeds, and a loopback address that is not allow-listed is refused at
// registration. The dev server runs with retries a second apart
// (test/e2e/global-setup.ts).
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { fixtureUrl } from "../helpers/fixtures";
import { fundedShop, http } from "./http";

interface Received {
  headers: Record<string, string>;
  body: string;
}

async function waitForDeliveries(name: string, count: number, timeoutMs = 60_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = (await (await fetch(fixtureUrl(name, "hooks"))).json()) as Received[];
    if (got.length >= count) return got;
    if (Date.now() > deadline) throw new Error(`${name}: ${got.length} of ${count} deliveries after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe("webhooks on npm run dev", () => {
  it("delivers bg_remove.completed, verified by standardwebhooks, with the job GET returns", async () => {
    const shop = await fundedShop("webhooks", 150);
    const name = `e2e-bg-${crypto.randomUUID()}`;
    const registered = await http("/v1/webhooks", { token: shop.token, body: { url: fixtureUrl(name, "hooks"), events: ["bg_remove.completed"] } });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const created = await http("/v1/services/bg-remove", {
      token: shop.token,
      body: { image_url: fixtureUrl("bg/composite-logo.png"), subject_type: "logo", edge_softness: 0 },
    });
    expect(created.status).toBe(202);
    const [delivery] = await waitForDeliveries(name, 1, 120_000);
    const event = new Webhook(registered.body.data.secret).verify(delivery!.body, delivery!.headers) as { type: string; data: Record<string, unknown> };
    expect(event.type).toBe("bg_remove.completed");
    const job = await http(`/v1/services/bg-remove/${created.body.job_id}`, { token: shop.token });
    expect(job.body.status).toBe("completed");
    const { output_url: sent, ...sentRest } = event.data;
    const { output_url: got, ...gotRest } = job.body;
    expect(sentRest).toEqual(gotRest);
    // The link in the event is a signed link to the same file, and it works.
    expect(new URL(String(sent)).pathname).toBe(new URL(got).pathname);
    const file = await fetch(String(sent));
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
  });

  it("retries a delivery answered with 500 until the endpoint takes it", async () => {
    const shop = await fundedShop("webhooks-retry", 0);
    const name = `e2e-retry-${crypto.randomUUID()}`;
    const registered = await http("/v1/webhooks", { token: shop.token, body: { url: `${fixtureUrl(name, "hooks")}?status=500&times=2`, events: ["bg_remove.failed"] } });
    const test = await http(`/v1/webhooks/${registered.body.data.id}/test`, { method: "POST", token: shop.token });
    expect(test.status).toBe(202);
    const received = await waitForDeliveries(name, 3);
    expect(received.map((r) => r.headers["webhook-id"])).toEqual([test.body.data.id, test.body.data.id, test.body.data.id]);
    for (const r of received) expect(new Webhook(registered.body.data.secret).verify(r.body, r.headers)).toMatchObject({ type: "webhook.test" });
    let log = await http(`/v1/webhooks/${registered.body.data.id}/deliveries`, { token: shop.token });
    for (let i = 0; i < 40 && log.body.data[0].status !== "succeeded"; i++) {
      await new Promise((r) => setTimeout(r, 250));
      log = await http(`/v1/webhooks/${registered.body.data.id}/deliveries`, { token: shop.token });
    }
    expect(log.body.data[0]).toMatchObject({ status: "succeeded", attempts: 3, responseStatus: 204 });
  });

  it("refuses a loopback URL that is not allow-listed at registration", async () => {
    const shop = await fundedShop("webhooks-refused", 0);
    const refused = await http("/v1/webhooks", { token: shop.token, body: { url: "http://127.0.0.2:9/hook", events: ["bg_remove.completed"] } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("VALIDATION_ERROR");
  });
});
