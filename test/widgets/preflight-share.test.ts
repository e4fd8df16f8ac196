import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { apiWith, type ApiCaller } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { mint, shopWithOrigin, type Shop } from "./helpers";

const CHECKS = "/v1/services/preflight/checks";
const today = () => new Date().toISOString().slice(0, 10);

const body = (fileUrl = fixtureUrl("preflight/png-gray.png")) => ({ designId: "share", fileUrl });

/** A full check as a shopper's page makes it (widget token, the shop's origin). */
const fromWidget = (call: ApiCaller, shop: Shop, token: string, fileUrl?: string) =>
  call(CHECKS, { token, body: body(fileUrl), headers: { origin: shop.origin } });

function expectRetryAtMidnight(res: { headers: Headers }) {
  const retryAfter = Number(res.headers.get("retry-after"));
  const now = new Date();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(Math.ceil((midnight - Date.now()) / 1000) + 1);
}

async function usage(accountId: string) {
  return env.DB.prepare("SELECT checks, widget_checks FROM preflight_usage WHERE account_id = ? AND day = ?")
    .bind(accountId, today())
    .first<{ checks: number; widget_checks: number }>();
}

describe("the widgets' daily share of full preflight checks", () => {
  it("stops widget checks at the share while the shop's own checks go on, up to the account's quota", async () => {
    const call = apiWith({ PREFLIGHT_CHECKS_PER_DAY: "5", WIDGET_PREFLIGHT_CHECKS_PER_DAY: "2" });
    const shop = await shopWithOrigin();
    const alice = await mint(shop, { services: ["preflight"], shopperRef: "alice" });
    const bob = await mint(shop, { services: ["preflight"], shopperRef: "bob" });

    expect((await fromWidget(call, shop, alice.token)).status).toBe(201);
    expect((await fromWidget(call, shop, bob.token)).status).toBe(201);
    // The share is the shop's, across all its widget tokens and shoppers.
    for (const token of [alice.token, bob.token]) {
      const refused = await fromWidget(call, shop, token);
      expect(refused.status).toBe(429);
      expect(refused.body.error).toBe("RATE_LIMITED");
      expect(refused.body.message).toMatch(/widgets .*2 full preflight checks per day/);
      expectRetryAtMidnight(refused);
      // The page may read the answer and say when to try again.
      expect(refused.headers.get("access-control-allow-origin")).toBe(shop.origin);
    }

    // The shop's own server still has the rest of its quota, and no more.
    for (let i = 0; i < 3; i++) expect((await call(CHECKS, { token: shop.token, body: body() })).status).toBe(201);
    const own = await call(CHECKS, { token: shop.token, body: body() });
    expect(own.status).toBe(429);
    expect(own.body.message).toMatch(/plan allows 5 full preflight checks per day/);
    expectRetryAtMidnight(own);
    expect(await usage(shop.id)).toEqual({ checks: 5, widget_checks: 2 });
  });

  it("counts widget checks against the account's quota too", async () => {
    const call = apiWith({ PREFLIGHT_CHECKS_PER_DAY: "3", WIDGET_PREFLIGHT_CHECKS_PER_DAY: "10" });
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["preflight"] });
    expect((await call(CHECKS, { token: shop.token, body: body() })).status).toBe(201);
    expect((await call(CHECKS, { token: shop.token, body: body() })).status).toBe(201);
    expect((await fromWidget(call, shop, token)).status).toBe(201);
    // The account's quota is spent: widgets are refused with its message, under their own share.
    const refused = await fromWidget(call, shop, token);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/plan allows 3 full preflight checks per day/);
    expect(await usage(shop.id)).toEqual({ checks: 3, widget_checks: 1 });
  });

  it("never lets concurrent widget checks overshoot the share", async () => {
    const call = apiWith({ PREFLIGHT_CHECKS_PER_DAY: "50", WIDGET_PREFLIGHT_CHECKS_PER_DAY: "3" });
    const shop = await shopWithOrigin();
    const tokens = await Promise.all(Array.from({ length: 3 }, () => mint(shop, { services: ["preflight"] })));
    const statuses = await Promise.all(Array.from({ length: 9 }, (_, i) => fromWidget(call, shop, tokens[i % 3]!.token).then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
    expect(await usage(shop.id)).toEqual({ checks: 3, widget_checks: 3 });
  });

  it("gives the slot back to both when a widget check ends without a report", async () => {
    const call = apiWith({ PREFLIGHT_CHECKS_PER_DAY: "5", WIDGET_PREFLIGHT_CHECKS_PER_DAY: "1" });
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["preflight"] });
    expect((await fromWidget(call, shop, token, fixtureUrl("404", "status"))).status).toBe(422);
    expect(await usage(shop.id)).toEqual({ checks: 0, widget_checks: 0 });
    expect((await fromWidget(call, shop, token)).status).toBe(201);
    expect((await fromWidget(call, shop, token)).status).toBe(429);
  });

  it("gives widgets 100 checks a day unless the deployment says otherwise", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["preflight"] });
    await env.DB.prepare("INSERT INTO preflight_usage (account_id, day, checks, widget_checks) VALUES (?, ?, 99, 99)").bind(shop.id, today()).run();
    const call = apiWith({});
    expect((await fromWidget(call, shop, token)).status).toBe(201);
    const refused = await fromWidget(call, shop, token);
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/100 full preflight checks per day/);
    // 400 of the account's default 500 stay the shop's own.
    expect((await call(CHECKS, { token: shop.token, body: body() })).status).toBe(201);
  });
});
