import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { base64UrlDecode, fromUtf8 } from "../../src/platform/encoding";
import { signWidgetToken } from "../../src/widgets/token";
import { walletOf } from "../../src/wallet/wallet";
import { api, signUp } from "../helpers/api";
import { fixtureBytes, fixtureUrl } from "../helpers/fixtures";
import { craftToken, TEST_JWT_SECRET } from "../helpers/jwt";
import { DPI_BODY, fromPage, mint, shopWithOrigin, type Shop } from "./helpers";

const now = () => Math.floor(Date.now() / 1000);
const decode = (part: string) => JSON.parse(fromUtf8(base64UrlDecode(part)!));
/** A source that fails at once, so the consumer refunds without running the model. */
const FAILING_SOURCE = () => fixtureUrl("404", "status");

describe("minting widget tokens", () => {
  it("mints a 15-minute token that says what it is", async () => {
    const shop = await shopWithOrigin();
    const res = await api("/v1/account/widget-tokens", { token: shop.token, body: { services: ["bg-remove", "dpi-score"], origin: shop.origin } });
    expect(res.status).toBe(201);
    const data = res.body.data;
    expect(data).toMatchObject({
      tokenType: "widget",
      origin: shop.origin,
      services: ["bg-remove", "dpi-score"],
      // Three background removals unless the shop asks for more (or for no cap, with null).
      capTokens: 450,
      shopperRef: null,
      expiresIn: 900,
      revokedAt: null,
    });
    expect(data.tokenId).toMatch(/^wt_/);
    expect(Math.abs(Date.parse(data.expiresAt) - Date.now() - 900_000)).toBeLessThan(5_000);

    const [header, payload] = data.token.split(".");
    expect(decode(header)).toEqual({ alg: "HS256", typ: "widget+jwt" });
    expect(decode(payload)).toMatchObject({ sub: data.tokenId, acc: shop.id, aud: "printcart-widget" });
    expect(decode(payload).exp - decode(payload).iat).toBe(900);
  });

  it.each([
    ["no service", { services: [] }],
    ["an unknown service", { services: ["upscale"] }],
    ["a repeated service", { services: ["dpi-score", "dpi-score"] }],
    ["a lifetime over an hour", { services: ["dpi-score"], ttlSeconds: 3601 }],
    ["a lifetime under a minute", { services: ["dpi-score"], ttlSeconds: 59 }],
    ["a negative cap", { services: ["bg-remove"], capTokens: -1 }],
    ["an empty shopper reference", { services: ["bg-remove"], shopperRef: "" }],
  ])("refuses %s", async (_name, body) => {
    const shop = await shopWithOrigin();
    const res = await api("/v1/account/widget-tokens", { token: shop.token, body: { origin: shop.origin, ...body } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
  });

  it("accepts an hour, a cap and a shopper reference", async () => {
    const shop = await shopWithOrigin();
    const data = await mint(shop, { services: ["bg-remove"], ttlSeconds: 3600, capTokens: 300, shopperRef: "cart-42" });
    expect(data).toMatchObject({ expiresIn: 3600, capTokens: 300, shopperRef: "cart-42" });
  });

  it("mints only for an allowed origin, and \"*\" only for dpi-score of an account that lists it", async () => {
    const shop = await shopWithOrigin();
    const other = await api("/v1/account/widget-tokens", { token: shop.token, body: { services: ["dpi-score"], origin: "https://elsewhere.example" } });
    expect(other.status).toBe(400);
    expect(other.body.issues).toEqual([expect.objectContaining({ path: "origin" })]);
    const starUnlisted = await api("/v1/account/widget-tokens", { token: shop.token, body: { services: ["dpi-score"], origin: "*" } });
    expect(starUnlisted.status).toBe(400);

    const open = await shopWithOrigin(0, ["*"]);
    const star = await api("/v1/account/widget-tokens", { token: open.token, body: { services: ["dpi-score"], origin: "*" } });
    expect(star.status).toBe(201);
    const starBg = await api("/v1/account/widget-tokens", { token: open.token, body: { services: ["dpi-score", "bg-remove"], origin: "*" } });
    expect(starBg.status).toBe(400);

    // A "*" token is accepted from any page, and from no page at all.
    for (const origin of ["https://anyone.example", null]) {
      expect((await fromPage(origin, "/v1/services/preflight/dpi-score", { token: star.body.data.token, body: DPI_BODY })).status).toBe(200);
    }
  });

  it("mints for the API's own origin (the demo page) without listing it", async () => {
    const shop = await signUp("widget-self");
    const res = await api("/v1/account/widget-tokens", { token: shop.token, body: { services: ["dpi-score"], origin: "http://api.test" } });
    expect(res.status).toBe(201);
    expect((await fromPage("http://api.test", "/v1/services/preflight/dpi-score", { token: res.body.data.token, body: DPI_BODY })).status).toBe(200);
    // A same-origin GET carries no Origin header; Sec-Fetch-Site says where it comes from.
    const get = await fromPage(null, "/v1/services/preflight/dpi-score", { token: res.body.data.token, body: DPI_BODY, headers: { "sec-fetch-site": "same-origin" } });
    expect(get.status).toBe(200);
  });
});

describe("what a widget token may call", () => {
  const JPEG = () => fixtureBytes("bg/chelsea.jpg");

  it.each([
    ["dpi-score", { dpi: 200, upload: 403, bg: 403, check: 403, poll: 403 }],
    ["bg-remove", { dpi: 403, upload: 201, bg: 202, check: 403, poll: 404 }],
    ["preflight", { dpi: 403, upload: 201, bg: 403, check: 201, poll: 403 }],
  ])("a %s token", async (service, expected) => {
    const shop = await shopWithOrigin(1_000);
    const { token } = await mint(shop, { services: [service] });
    const call = (path: string, init: Parameters<typeof fromPage>[2]) => fromPage(shop.origin, path, { token, ...init });
    const got = {
      dpi: (await call("/v1/services/preflight/dpi-score", { body: DPI_BODY })).status,
      upload: (await call("/v1/services/uploads", { rawBody: await JPEG(), headers: { "content-type": "image/jpeg" } })).status,
      bg: (await call("/v1/services/bg-remove", { body: { image_url: FAILING_SOURCE() } })).status,
      check: (await call("/v1/services/preflight/checks", { body: { designId: "d1", fileUrl: fixtureUrl("preflight/jpeg-rgb-300dpi.jpg") } })).status,
      poll: (await call("/v1/services/bg-remove/nope", {})).status,
    };
    expect(got).toEqual(expected);
  });

  it("names the missing scope in the 403", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    const res = await fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: FAILING_SOURCE() } });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: "FORBIDDEN", scopes: ["dpi-score"] });
    expect(res.body.message).toMatch(/not scoped to bg-remove/);
  });
});

describe("refusing tokens that are not live", () => {
  async function dpiWith(shop: Shop, token: string) {
    return fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY });
  }

  it("refuses an expired token with 401", async () => {
    const shop = await shopWithOrigin();
    const { tokenId } = await mint(shop, { services: ["dpi-score"] });
    const expired = await signWidgetToken({ sub: tokenId, acc: shop.id, iat: now() - 1000, exp: now() - 1 }, TEST_JWT_SECRET);
    const res = await dpiWith(shop, expired);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/expired/);
  });

  it("refuses forged tokens with 401", async () => {
    const shop = await shopWithOrigin();
    const { tokenId } = await mint(shop, { services: ["dpi-score"] });
    const claims = { sub: tokenId, acc: shop.id, aud: "printcart-widget", iat: now(), exp: now() + 600 };
    const forged = [
      // Signed with the account-token key instead of the widget key.
      await craftToken({ alg: "HS256", typ: "widget+jwt" }, claims),
      await craftToken({ alg: "HS256", typ: "widget+jwt" }, claims, { secret: "y".repeat(40) }),
      await craftToken({ alg: "none", typ: "widget+jwt" }, claims, { signature: "" }),
      // Another account's id in a validly signed token: the record does not match.
      await signWidgetToken({ sub: tokenId, acc: "acct_someoneelse", iat: now(), exp: now() + 600 }, TEST_JWT_SECRET),
      // A token id that was never minted.
      await signWidgetToken({ sub: "wt_nevermintedxxxxxxxxxx", acc: shop.id, iat: now(), exp: now() + 600 }, TEST_JWT_SECRET),
    ];
    for (const token of forged) {
      const res = await dpiWith(shop, token);
      expect(res.status, token).toBe(401);
      expect(res.body.error).toBe("UNAUTHORIZED");
    }
  });

  it("revokes a token at once, and tells the account what it spent", async () => {
    const shop = await shopWithOrigin(1_000);
    const { token, tokenId } = await mint(shop, { services: ["bg-remove", "dpi-score"], capTokens: 500 });
    expect((await dpiWith(shop, token)).status).toBe(200);
    const job = await fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: fixtureUrl("bg/astronaut.jpg", "slow") } });
    expect(job.status).toBe(202);

    const state = await api(`/v1/account/widget-tokens/${tokenId}`, { token: shop.token });
    expect(state.status).toBe(200);
    expect(state.body.data).toMatchObject({ tokenId, capTokens: 500, spentTokens: 150, revokedAt: null });
    expect(state.body.data.token).toBeUndefined();

    const revoked = await api(`/v1/account/widget-tokens/${tokenId}`, { method: "DELETE", token: shop.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data.revokedAt).toEqual(expect.any(String));
    const res = await dpiWith(shop, token);
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/revoked/);
    expect((await api(`/v1/account/widget-tokens/${tokenId}`, { method: "DELETE", token: shop.token })).status).toBe(200);

    const stranger = await signUp("widget-stranger");
    expect((await api(`/v1/account/widget-tokens/${tokenId}`, { method: "DELETE", token: stranger.token })).status).toBe(404);
    expect((await api(`/v1/account/widget-tokens/${tokenId}`, { token: stranger.token })).status).toBe(404);
  });

  it("stops every widget token of a closed account", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    expect((await api("/v1/account", { method: "DELETE", token: shop.token })).status).toBe(204);
    expect((await dpiWith(shop, token)).status).toBe(401);
  });
});

describe("who sees a widget's jobs", () => {
  it("the token's shopper (on any of their tokens) and the account; nobody else", async () => {
    const shop = await shopWithOrigin(5_000);
    const alice = await mint(shop, { services: ["bg-remove"], shopperRef: "alice" });
    const aliceLater = await mint(shop, { services: ["bg-remove"], shopperRef: "alice" });
    const bob = await mint(shop, { services: ["bg-remove"], shopperRef: "bob" });
    const anon = await mint(shop, { services: ["bg-remove"] });
    const anon2 = await mint(shop, { services: ["bg-remove"] });

    const create = async (token: string) => {
      const res = await fromPage(shop.origin, "/v1/services/bg-remove", { token, body: { image_url: FAILING_SOURCE() } });
      expect(res.status).toBe(202);
      return res.body.job_id as string;
    };
    const aliceJob = await create(alice.token);
    const anonJob = await create(anon.token);
    const shopJob = (await api("/v1/services/bg-remove", { token: shop.token, body: { image_url: FAILING_SOURCE() } })).body.job_id as string;

    const sees = async (token: string, jobId: string, origin: string | null = shop.origin) =>
      (await fromPage(origin, `/v1/services/bg-remove/${jobId}`, { token })).status;

    expect(await sees(alice.token, aliceJob)).toBe(200);
    const seen = await fromPage(shop.origin, `/v1/services/bg-remove/${aliceJob}`, { token: alice.token });
    expect(seen.body.wallet_transaction_id).toBe("");
    expect((await api(`/v1/services/bg-remove/${aliceJob}`, { token: shop.token })).body.wallet_transaction_id).toMatch(/^TX-\d{5}$/);
    expect(await sees(aliceLater.token, aliceJob)).toBe(200);
    expect(await sees(bob.token, aliceJob)).toBe(404);
    expect(await sees(anon.token, aliceJob)).toBe(404);
    expect(await sees(anon.token, anonJob)).toBe(200);
    expect(await sees(anon2.token, anonJob)).toBe(404);
    expect(await sees(alice.token, anonJob)).toBe(404);
    for (const widget of [alice, bob, anon]) expect(await sees(widget.token, shopJob)).toBe(404);
    for (const jobId of [aliceJob, anonJob, shopJob]) expect(await sees(shop.token, jobId, null)).toBe(200);

    // Another shop's shopper with the same reference sees nothing of this shop.
    const otherShop = await shopWithOrigin();
    const otherAlice = await mint(otherShop, { services: ["bg-remove"], shopperRef: "alice" });
    expect((await fromPage(otherShop.origin, `/v1/services/bg-remove/${aliceJob}`, { token: otherAlice.token })).status).toBe(404);
  });

  it("keeps shoppers' Idempotency-Keys apart", async () => {
    const shop = await shopWithOrigin(5_000);
    const alice = await mint(shop, { services: ["bg-remove"], shopperRef: "alice" });
    const bob = await mint(shop, { services: ["bg-remove"], shopperRef: "bob" });
    const body = { image_url: FAILING_SOURCE() };
    const headers = { "idempotency-key": "add-to-cart-1" };
    const a1 = await fromPage(shop.origin, "/v1/services/bg-remove", { token: alice.token, body, headers });
    const b1 = await fromPage(shop.origin, "/v1/services/bg-remove", { token: bob.token, body, headers });
    const a2 = await fromPage(shop.origin, "/v1/services/bg-remove", { token: alice.token, body, headers });
    expect([a1.status, b1.status, a2.status]).toEqual([202, 202, 202]);
    expect(b1.body.job_id).not.toBe(a1.body.job_id);
    expect(a2.body.job_id).toBe(a1.body.job_id);
    expect(a2.headers.get("idempotent-replayed")).toBe("true");
    const debits = (await walletOf(env, shop.id).entries()).filter((e) => e.type === "debit");
    expect(debits.map((e) => e.jobId).sort()).toEqual([a1.body.job_id, b1.body.job_id].sort());
  });
});
