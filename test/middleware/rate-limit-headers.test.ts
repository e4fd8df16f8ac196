// Every authenticated response says which limit applies and what is left of
// it, in the IETF RateLimit-Policy / RateLimit fields
// (draft-ietf-httpapi-ratelimit-headers). The fields are read with
// `structured-headers`, an RFC 9651 parser written elsewhere.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { parseList } from "structured-headers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/platform/env";
import { api, signUp } from "../helpers/api";
import { DPI_BODY, fromPage, mint, shopWithOrigin } from "../widgets/helpers";

/** { policy name → its parameters } of one of the two fields. */
function fieldOf(headers: Headers, name: string): Record<string, Record<string, unknown>> {
  const value = headers.get(name);
  expect(value, `${name} header`).not.toBeNull();
  return Object.fromEntries(parseList(value!).map(([item, params]) => [String(item), Object.fromEntries(params)]));
}

describe("RateLimit headers", () => {
  it("name the account's policy (120 a minute, 60 s) and count down what is left", async () => {
    const shop = await signUp("ratelimit-headers");
    const first = await api("/v1/wallet", { token: shop.token });
    const second = await api("/v1/account", { token: shop.token });
    expect(fieldOf(first.headers, "ratelimit-policy")).toEqual({ account: { q: 120, w: 60 } });
    expect(fieldOf(first.headers, "ratelimit")).toEqual({ account: { r: 119, t: 0 } });
    expect(fieldOf(second.headers, "ratelimit")).toEqual({ account: { r: 118, t: 0 } });
    // Error answers after authentication carry them too.
    const missing = await api("/v1/services/bg-remove/no-such-job", { token: shop.token });
    expect(missing.status).toBe(404);
    expect(fieldOf(missing.headers, "ratelimit")).toEqual({ account: { r: 117, t: 0 } });
  });

  it("at the limit: 429 with Retry-After equal to the RateLimit reset, and nothing left", async () => {
    const shop = await signUp("ratelimit-429");
    const tight: Env = { ...(env as Env), RATE_LIMIT_PER_MINUTE: "2" };
    const send = async () => {
      const request = new Request("http://api.test/v1/wallet", { headers: { authorization: `Bearer ${shop.token}` } });
      return worker.fetch(request, tight, createExecutionContext());
    };
    const answers = [await send(), await send(), await send()];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expect(fieldOf(answers[1]!.headers, "ratelimit")).toMatchObject({ account: { r: 0 } });
    const limited = fieldOf(answers[2]!.headers, "ratelimit").account!;
    expect(limited.r).toBe(0);
    expect(limited.t).toBe(Number(answers[2]!.headers.get("retry-after")));
    expect(limited.t).toBeGreaterThanOrEqual(1);
    expect(limited.t).toBeLessThanOrEqual(60);
    expect(fieldOf(answers[2]!.headers, "ratelimit-policy")).toEqual({ account: { q: 2, w: 60 } });
  });

  it("widget requests name the token's and the origin's policies, readable by the page", async () => {
    const shop = await shopWithOrigin();
    const { token } = await mint(shop, { services: ["dpi-score"] });
    const res = await fromPage(shop.origin, "/v1/services/preflight/dpi-score", { token, body: DPI_BODY });
    expect(res.status).toBe(200);
    expect(fieldOf(res.headers, "ratelimit-policy")).toEqual({ "widget-token": { q: 60, w: 60 }, "widget-origin": { q: 300, w: 60 } });
    expect(fieldOf(res.headers, "ratelimit")).toEqual({ "widget-token": { r: 59, t: 0 }, "widget-origin": { r: 299, t: 0 } });
    const exposed = res.headers.get("access-control-expose-headers")!.split(",").map((h) => h.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(["ratelimit", "ratelimit-policy", "retry-after"]));
  });
});
