import { describe, expect, it } from "vitest";
import { api } from "../helpers/api";
import { fromPage, mint, shopWithOrigin } from "./helpers";

/** What a widget token is for; every other authenticated operation must refuse it. */
const WIDGET_OPERATIONS = new Set([
  "POST /v1/services/bg-remove",
  "GET /v1/services/bg-remove/{jobId}",
  "POST /v1/services/uploads",
  "POST /v1/services/preflight/dpi-score",
  "POST /v1/services/preflight/checks",
]);

describe("a widget token on every other endpoint", () => {
  it("gets 401 or 403 from each authenticated operation of the OpenAPI document, and changes nothing", async () => {
    const shop = await shopWithOrigin(1_000);
    const { token } = await mint(shop, { services: ["bg-remove", "preflight", "dpi-score"], capTokens: 1_000 });
    const doc = (await api("/v1/openapi.json")).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };

    const tried: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const name = `${method.toUpperCase()} ${path}`;
        if (!operation.security?.length || WIDGET_OPERATIONS.has(name)) continue;
        const concrete = path.replace(/\{[^}]+\}/g, "x1");
        const body = method === "get" ? undefined : { origins: ["https://evil.example"], services: ["bg-remove"], origin: "https://evil.example" };
        for (const origin of [shop.origin, null]) {
          const res = await fromPage(origin, concrete, { method: method.toUpperCase(), token, body });
          expect([401, 403], `${name} from ${origin}: ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
        }
        tried.push(name);
      }
    }
    // The list is read from the document, so make sure it is the real one.
    for (const name of [
      "GET /v1/account",
      "DELETE /v1/account",
      "GET /v1/wallet",
      "GET /v1/wallet/transactions",
      "POST /v1/admin/wallet-grants",
      "GET /v1/account/allowed-origins",
      "PUT /v1/account/allowed-origins",
      "POST /v1/account/widget-tokens",
      "DELETE /v1/account/widget-tokens/{tokenId}",
      "GET /v1/services/preflight/checks",
      "GET /v1/services/preflight/checks/{reportId}",
      "DELETE /v1/services/preflight/checks/{reportId}",
      "POST /v1/services/preflight/ai-jobs",
      "GET /v1/services/preflight/ai-jobs/{jobId}",
    ]) {
      expect(tried).toContain(name);
    }

    // Nothing moved: the account is open, its origins and balance unchanged.
    expect((await api("/v1/account", { token: shop.token })).status).toBe(200);
    expect((await api("/v1/account/allowed-origins", { token: shop.token })).body.data.origins).toEqual([shop.origin]);
    expect((await api("/v1/wallet", { token: shop.token })).body.data).toEqual({ balance: 1_000, held: 0, currency: "tokens" });
  });

  it("says why: a widget token is not the account's token", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    for (const path of ["/v1/wallet", "/v1/wallet/transactions", "/v1/account"]) {
      const res = await fromPage(shop.origin, path, { token });
      expect(res.status).toBe(403);
      expect(res.body.error).toBe("FORBIDDEN");
      expect(res.body.message).toMatch(/Widget tokens cannot call this endpoint/);
    }
  });

  it("does not accept an account token re-labelled as a widget token, or the reverse", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    const swap = (jwt: string, typ: string) => {
      const [, payload, signature] = jwt.split(".");
      return `${btoa(JSON.stringify({ alg: "HS256", typ })).replace(/=+$/, "")}.${payload}.${signature}`;
    };
    expect((await api("/v1/wallet", { token: swap(token, "JWT") })).status).toBe(401);
    expect((await fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token: swap(shop.token, "widget+jwt"), body: {} })).status).toBe(401);
  });
});
