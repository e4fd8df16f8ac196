import { describe, expect, it } from "vitest";
import { api, signUp } from "../helpers/api";
import { craftToken } from "../helpers/jwt";

const now = () => Math.floor(Date.now() / 1000);

describe("bearer auth on account endpoints", () => {
  it.each([
    ["no header", undefined],
    ["not bearer", "Basic dXNlcjpwYXNz"],
    ["empty bearer", "Bearer "],
    ["garbage", "Bearer not-a-jwt"],
  ])("401 for %s", async (_name, authorization) => {
    const res = await api("/v1/wallet", { headers: authorization ? { authorization } : {} });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("UNAUTHORIZED");
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  it("401 for alg none, foreign signature, expired and unknown subject", async () => {
    const { id } = await signUp();
    const tokens = [
      await craftToken({ alg: "none", typ: "JWT" }, { sub: id, iat: now(), exp: now() + 600 }, { signature: "" }),
      await craftToken({ alg: "HS256", typ: "JWT" }, { sub: id, iat: now(), exp: now() + 600 }, { secret: "x".repeat(40) }),
      await craftToken({ alg: "HS256", typ: "JWT" }, { sub: id, iat: now() - 7200, exp: now() - 3600 }),
      await craftToken({ alg: "HS512", typ: "JWT" }, { sub: id, iat: now(), exp: now() + 600 }, { hash: "SHA-512" }),
      await craftToken({ alg: "HS256", typ: "JWT" }, { sub: "acct_doesnotexist", iat: now(), exp: now() + 600 }),
    ];
    const messages = new Set<string>();
    for (const token of tokens) {
      const res = await api("/v1/account", { token });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("UNAUTHORIZED");
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|stack/i);
      messages.add(res.body.message);
    }
    // alg none and HS512 share the "must be HS256" message.
    expect(messages.size).toBe(4);
  });

  it.each([
    ["iat", (t: number) => ({ iat: t + 120, exp: t + 600 })],
    ["nbf", (t: number) => ({ iat: t, nbf: t + 120, exp: t + 600 })],
    ["iat, a day ahead", (t: number) => ({ iat: t + 86_400, exp: t + 90_000 })],
  ])("401 for a token whose %s is more than 60 s in the future", async (_name, claims) => {
    const { id } = await signUp();
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, { sub: id, ...claims(now()) });
    const res = await api("/v1/account", { token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: "UNAUTHORIZED",
      message: "The bearer token is not valid yet: its iat or nbf is more than 60 seconds in the future.",
      requestId: expect.any(String),
    });
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });

  // The Worker reads the clock after the test does, so a claim 60 s ahead of the test's clock is at most 60 s ahead of its own.
  it.each([
    ["iat 60 s ahead", (t: number) => ({ iat: t + 60, exp: t + 600 })],
    ["nbf 60 s ahead", (t: number) => ({ iat: t, nbf: t + 60, exp: t + 600 })],
    ["iat 30 s ahead", (t: number) => ({ iat: t + 30, exp: t + 600 })],
  ])("accepts a token within 60 s of clock skew: %s", async (_name, claims) => {
    const { id } = await signUp();
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, { sub: id, ...claims(now()) });
    const res = await api("/v1/account", { token });
    expect(res.status).toBe(200);
    expect(res.body.data.id).toBe(id);
  });

  it("accepts a hand-made valid token for a real account", async () => {
    const { id } = await signUp();
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, { sub: id, iat: now(), exp: now() + 600 });
    expect((await api("/v1/account", { token })).status).toBe(200);
  });
});

describe("per-account rate limit", () => {
  it("answers 429 with Retry-After past 120 requests a minute, for that account only", async () => {
    const limited = await signUp();
    const other = await signUp();
    const statuses = await Promise.all(Array.from({ length: 125 }, () => api("/v1/wallet", { token: limited.token }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(120);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);

    const res = await api("/v1/wallet", { token: limited.token });
    expect(res.status).toBe(429);
    expect(res.body.error).toBe("RATE_LIMITED");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    expect((await api("/v1/wallet", { token: other.token })).status).toBe(200);
  });
});
