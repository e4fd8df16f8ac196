import { describe, expect, it } from "vitest";
import { api, signUp } from "../helpers/api";
import { expectLedgerConsistent } from "../helpers/wallet";
import { DPI_BODY, fromPage, mint, shopWithOrigin, uniqueOrigin } from "./helpers";

function preflight(origin: string | null, path: string, method = "POST") {
  const headers: Record<string, string> = { "access-control-request-method": method, "access-control-request-headers": "authorization, content-type" };
  if (origin) headers.origin = origin;
  return api(path, { method: "OPTIONS", headers });
}

function expectNoCors(headers: Headers) {
  for (const name of ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers", "access-control-allow-credentials"]) {
    expect(headers.get(name), name).toBeNull();
  }
}

describe("allowed origins", () => {
  it("stores exact origins, de-duplicated, and reads them back", async () => {
    const shop = await signUp("origins");
    const put = await api("/v1/account/allowed-origins", {
      method: "PUT",
      token: shop.token,
      body: { origins: ["https://shop.example", "http://localhost:3000", "https://shop.example", "*"] },
    });
    expect(put.status).toBe(200);
    expect(put.body.data.origins).toEqual(["https://shop.example", "http://localhost:3000", "*"]);
    const get = await api("/v1/account/allowed-origins", { token: shop.token });
    expect(get.body.data.origins.sort()).toEqual(["*", "http://localhost:3000", "https://shop.example"]);

    expect((await api("/v1/account/allowed-origins", { method: "PUT", token: shop.token, body: { origins: [] } })).body.data.origins).toEqual([]);
    expect((await api("/v1/account/allowed-origins", { token: shop.token })).body.data.origins).toEqual([]);
  });

  it.each([
    ["a wildcard subdomain", "https://*.shop.example"],
    ["a trailing slash", "https://shop.example/"],
    ["a path", "https://shop.example/products"],
    ["upper case", "https://Shop.example"],
    ["a default port", "https://shop.example:443"],
    ["another scheme", "ftp://shop.example"],
    ["credentials", "https://user@shop.example"],
    ["no scheme", "shop.example"],
    ["the null origin", "null"],
  ])("refuses %s with 400", async (_name, origin) => {
    const shop = await signUp("origins");
    const res = await api("/v1/account/allowed-origins", { method: "PUT", token: shop.token, body: { origins: ["https://ok.example", origin] } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
    expect(res.body.issues).toEqual([expect.objectContaining({ path: "origins.1" })]);
  });

  it("refuses more than 50 origins", async () => {
    const shop = await signUp("origins");
    const origins = Array.from({ length: 51 }, (_, i) => `https://s${i}.example`);
    expect((await api("/v1/account/allowed-origins", { method: "PUT", token: shop.token, body: { origins } })).status).toBe(400);
  });
});

describe("CORS preflight on /v1/services/*", () => {
  it("answers an allowed origin with methods, headers and a max-age", async () => {
    const shop = await shopWithOrigin();
    for (const path of ["/v1/services/bg-remove", "/v1/services/bg-remove/abc", "/v1/services/uploads", "/v1/services/preflight/checks", "/v1/services/preflight/dpi-score"]) {
      const res = await preflight(shop.origin, path);
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(shop.origin);
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
      expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("content-type");
      expect(res.headers.get("access-control-max-age")).toBe("600");
      expect(res.headers.get("vary")).toContain("Origin");
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
  });

  it.each([
    ["an origin no account lists", () => uniqueOrigin("stranger")],
    ["http instead of https", (o: string) => o.replace("https:", "http:")],
    ["a subdomain", (o: string) => o.replace("https://", "https://www.")],
    ["another port", (o: string) => `${o}:8443`],
    ["the null origin", () => "null"],
  ])("refuses %s with 403 and no CORS headers", async (_name, make) => {
    const shop = await shopWithOrigin();
    const res = await preflight(make(shop.origin), "/v1/services/bg-remove");
    expect(res.status).toBe(403);
    expect(res.body.error).toBe("FORBIDDEN");
    expectNoCors(res.headers);
  });

  it('opens only the quick DPI score to every origin when an account lists "*"', async () => {
    await shopWithOrigin(0, ["*"]);
    const anyone = uniqueOrigin("anyone");
    const dpi = await preflight(anyone, "/v1/services/preflight/dpi-score");
    expect(dpi.status).toBe(204);
    expect(dpi.headers.get("access-control-allow-origin")).toBe(anyone);
    for (const path of ["/v1/services/bg-remove", "/v1/services/uploads", "/v1/services/preflight/checks"]) {
      const res = await preflight(anyone, path);
      expect(res.status, path).toBe(403);
      expectNoCors(res.headers);
    }
  });

  it("never answers CORS on account, wallet or admin endpoints", async () => {
    const shop = await shopWithOrigin();
    for (const path of ["/v1/account", "/v1/wallet", "/v1/account/widget-tokens", "/v1/account/allowed-origins", "/v1/admin/wallet-grants"]) {
      const res = await preflight(shop.origin, path);
      expectNoCors(res.headers);
      const real = await fromPage(shop.origin, path, { token: shop.token });
      expectNoCors(real.headers);
    }
  });

  it("answers a plain OPTIONS (no Origin) with Allow", async () => {
    const res = await api("/v1/services/bg-remove", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toContain("POST");
    expectNoCors(res.headers);
  });
});

describe("CORS on real requests", () => {
  it("widget token from its own origin: answered, readable", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    const res = await fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(shop.origin);
    expect(res.headers.get("access-control-expose-headers")).toContain("Retry-After");
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("widget token from another origin, even one the account allows: 403, not readable", async () => {
    const second = uniqueOrigin("second");
    const shop = await shopWithOrigin(0, [second]);
    const { token } = await mint(shop, { services: ["dpi-score"] });
    for (const origin of [second, uniqueOrigin("stranger")]) {
      const res = await fromPage(origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("FORBIDDEN");
      expectNoCors(res.headers);
    }
  });

  it("widget token without an Origin (not a browser page): 403", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    expect((await fromPage(null, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY })).status).toBe(403);
  });

  it("account token from an allowed origin: answered and readable; from any other: 403 before anything is charged", async () => {
    const shop = await shopWithOrigin(1_000);
    const ok = await fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token: shop.token, body: DPI_BODY });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("access-control-allow-origin")).toBe(shop.origin);

    const stranger = uniqueOrigin("stranger");
    const charged = await fromPage(stranger, "/v1/services/bg-remove", { token: shop.token, body: { image_url: "https://example.com/a.jpg" } });
    expect(charged.status).toBe(403);
    expectNoCors(charged.headers);
    expect(await expectLedgerConsistent(shop.id)).toEqual({ balance: 1_000, held: 0 });
  });

  it('account token on the DPI score from any origin when the account lists "*", and nowhere else', async () => {
    const shop = await shopWithOrigin(0, ["*"]);
    const anyone = uniqueOrigin("anyone");
    const dpi = await fromPage(anyone, "/v1/services/preflight/dpi-score", { token: shop.token, body: DPI_BODY });
    expect(dpi.status).toBe(200);
    expect(dpi.headers.get("access-control-allow-origin")).toBe(anyone);
    const upload = await fromPage(anyone, "/v1/services/uploads", { token: shop.token, rawBody: new Uint8Array([0xff, 0xd8, 0xff]), headers: { "content-type": "image/jpeg" } });
    expect(upload.status).toBe(403);
    expectNoCors(upload.headers);
  });

  it("server calls (no Origin) and same-origin calls get no CORS headers, but Vary: Origin", async () => {
    const shop = await shopWithOrigin();
    for (const origin of [null, "http://api.test"]) {
      const res = await fromPage(origin, "/v1/services/preflight/dpi-score", { token: shop.token, body: DPI_BODY });
      expect(res.status).toBe(200);
      expectNoCors(res.headers);
      expect(res.headers.get("vary")).toContain("Origin");
    }
  });

  it("lets an allowed page read a 401 (to fetch a fresh token), but not a stranger", async () => {
    const shop = await shopWithOrigin();
    // (Not the DPI score: another test's account lists "*", which opens it to every origin.)
    const allowed = await fromPage(shop.origin, "/v1/services/bg-remove/abc");
    expect(allowed.status).toBe(401);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(shop.origin);
    const stranger = await fromPage(uniqueOrigin("stranger"), "/v1/services/bg-remove/abc");
    expect(stranger.status).toBe(401);
    expectNoCors(stranger.headers);
  });

  it("stops an origin at once when the shop removes it", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    expect((await fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY })).status).toBe(200);
    await api("/v1/account/allowed-origins", { method: "PUT", token: shop.token, body: { origins: [] } });
    const res = await fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY });
    expect(res.status).toBe(403);
    expectNoCors(res.headers);
    expect((await preflight(shop.origin, "/v1/services/bg-remove")).status).toBe(403);
  });
});
