import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { walletOf } from "../../src/wallet/wallet";
import { api, grant, signUp } from "../helpers/api";
import { fixtureUrl } from "../helpers/fixtures";
import { waitForJob } from "../helpers/jobs";
import { expectLedgerConsistent } from "../helpers/wallet";
import { fromPage, mint, shopWithOrigin } from "./helpers";

/** The fixture server trickles this file (about 17 s); the tests' fetch deadline then fails the job and refunds it. */
const SLOW_SOURCE = () => fixtureUrl("bg/astronaut.jpg", "slow");
const FAILING_SOURCE = () => fixtureUrl("404", "status");

describe("widget token spend cap, in the wallet's Durable Object", () => {
  const debit = (accountId: string, jobId: string, widget: { tokenId: string; capTokens: number | null }) =>
    walletOf(env, accountId).debit(accountId, { amount: 150, service: "bg-remove", jobId, idempotencyKey: jobId, widget });

  it("lets exactly the cap through when 50 charges race", async () => {
    const { id } = await signUp("cap-race");
    await grant(id, 10_000);
    const widget = { tokenId: "wt_race", capTokens: 450 };
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => debit(id, `job-race-${i}`, widget)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(47);
    for (const r of refused) expect(r).toEqual({ ok: false, limit: "widget-cap", balance: 0, shortfall: 150 });
    expect(await walletOf(env, id).widgetSpend("wt_race")).toEqual({ spent: 450 });
    expect(await expectLedgerConsistent(id)).toEqual({ balance: 10_000 - 450, held: 450 });
  });

  it("gives a refund back to the cap, and a partial refund partly", async () => {
    const { id } = await signUp("cap-refund");
    await grant(id, 10_000);
    const widget = { tokenId: "wt_refund", capTokens: 300 };
    expect((await debit(id, "job-a", widget)).ok).toBe(true);
    expect((await debit(id, "job-b", widget)).ok).toBe(true);
    expect(await debit(id, "job-c", widget)).toMatchObject({ ok: false, limit: "widget-cap" });

    await walletOf(env, id).refund(id, { jobId: "job-a", reason: "failed" });
    await walletOf(env, id).refund(id, { jobId: "job-a", reason: "failed again" }); // exactly once
    expect(await walletOf(env, id).widgetSpend("wt_refund")).toEqual({ spent: 150 });
    expect((await debit(id, "job-c", widget)).ok).toBe(true);

    // Settled below its estimate: the difference returns to the cap too.
    await walletOf(env, id).settle(id, { jobId: "job-b", finalCost: 100 });
    expect(await walletOf(env, id).widgetSpend("wt_refund")).toEqual({ spent: 250 });
    expect(await expectLedgerConsistent(id)).toEqual({ balance: 10_000 - 100 - 150, held: 150 });
  });

  it("reports the wallet, not the cap, when the wallet is what runs out", async () => {
    const { id } = await signUp("cap-wallet");
    await grant(id, 200);
    const widget = { tokenId: "wt_wallet", capTokens: 1_000 };
    expect((await debit(id, "job-1", widget)).ok).toBe(true);
    expect(await debit(id, "job-2", widget)).toEqual({ ok: false, balance: 50, shortfall: 100 });
    expect(await walletOf(env, id).widgetSpend("wt_wallet")).toEqual({ spent: 150 });
  });

  it("counts spend without a cap, and keeps tokens apart", async () => {
    const { id } = await signUp("cap-none");
    await grant(id, 1_000);
    expect((await debit(id, "job-x", { tokenId: "wt_x", capTokens: null })).ok).toBe(true);
    expect((await debit(id, "job-y", { tokenId: "wt_y", capTokens: 0 })).ok).toBe(false);
    expect(await walletOf(env, id).widgetSpend("wt_x")).toEqual({ spent: 150 });
    expect(await walletOf(env, id).widgetSpend("wt_y")).toEqual({ spent: 0 });
  });
});

describe("widget token spend cap, through the API", () => {
  it("answers the reference's 402 at the cap, and charges again once a failed job gives its tokens back", async () => {
    const shop = await shopWithOrigin(10_000);
    const { token, tokenId } = await mint(shop, { services: ["bg-remove"], capTokens: 300 });
    const create = (imageUrl: string) => fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: imageUrl } });

    const first = await create(SLOW_SOURCE());
    const second = await create(SLOW_SOURCE());
    expect([first.status, second.status]).toEqual([202, 202]);

    const capped = await create(SLOW_SOURCE());
    expect(capped.status).toBe(402);
    expect(capped.body).toEqual({
      error: "INSUFFICIENT_TOKENS",
      balance: 0,
      shortfall: 150,
      top_up_url: expect.any(String),
      message: expect.stringMatching(/widget token may spend 0 more tokens/),
      requestId: expect.any(String),
    });
    // The page may read it: the shopper is told why.
    expect(capped.headers.get("access-control-allow-origin")).toBe(shop.origin);

    const done = await waitForJob(`/v1/services/bg-remove/${first.body.job_id}`, shop.token);
    expect(done.status).toBe("failed");
    const state = await api(`/v1/account/widget-tokens/${tokenId}`, { token: shop.token });
    expect(state.body.data.spentTokens).toBeLessThanOrEqual(150);

    const again = await create(FAILING_SOURCE());
    expect(again.status).toBe(202);
    await waitForJob(`/v1/services/bg-remove/${second.body.job_id}`, shop.token);
    await waitForJob(`/v1/services/bg-remove/${again.body.job_id}`, shop.token);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 10_000, held: 0 });
  });

  it("accepts exactly the cap when a page fires many charges at once", async () => {
    const shop = await shopWithOrigin(10_000);
    const { token } = await mint(shop, { services: ["bg-remove"], capTokens: 450 });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: SLOW_SOURCE() } }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 202)).toHaveLength(3);
    expect(statuses.filter((s) => s === 402)).toHaveLength(9);
    const { balance, held } = await expectLedgerConsistent(shop.id);
    expect(balance + held).toBe(10_000);
    expect(held).toBeLessThanOrEqual(450);
  });

  it("caps a token minted without capTokens at three background removals; null lifts the cap, a number sets it", async () => {
    const shop = await shopWithOrigin(10_000);
    const charge = (token: string) => fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: SLOW_SOURCE() } }).then((r) => r.status);

    const byDefault = await mint(shop, { services: ["bg-remove"] });
    expect(byDefault).toMatchObject({ capTokens: 450 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push(await charge(byDefault.token));
    expect(statuses).toEqual([202, 202, 202, 402]);
    expect((await api(`/v1/account/widget-tokens/${byDefault.tokenId}`, { token: shop.token })).body.data).toMatchObject({ capTokens: 450, spentTokens: 450 });

    // The shop raises it on purpose: a larger number, or null for no cap at all.
    const raised = await mint(shop, { services: ["bg-remove"], capTokens: 600 });
    expect(raised).toMatchObject({ capTokens: 600 });
    const uncapped = await mint(shop, { services: ["bg-remove"], capTokens: null });
    expect(uncapped).toMatchObject({ capTokens: null });
    const more: number[] = [];
    for (let i = 0; i < 4; i++) more.push(await charge(uncapped.token));
    expect(more).toEqual([202, 202, 202, 202]);
  });

  it("does not tell a shopper's page the shop's balance", async () => {
    const shop = await shopWithOrigin(100);
    const { token } = await mint(shop, { services: ["bg-remove"] });
    const res = await fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: SLOW_SOURCE() } });
    expect(res.status).toBe(402);
    expect(res.body).toMatchObject({ error: "INSUFFICIENT_TOKENS", balance: 0, shortfall: 150 });
    expect(res.body.message).not.toMatch(/\d/);
    // The shop's own token still gets the real numbers.
    const own = await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: SLOW_SOURCE() } });
    expect(own.body).toMatchObject({ balance: 100, shortfall: 50 });
  });
});
