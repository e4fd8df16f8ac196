import { describe, expect, it } from "vitest";
import { signAccessToken, verifyAccessToken } from "../../src/auth/jwt";
import { craftToken, TEST_JWT_SECRET } from "../helpers/jwt";

const NOW = 1_800_000_000;

describe("verifyAccessToken", () => {
  it("accepts its own tokens and reads the claims", async () => {
    const token = await signAccessToken("acct_1", 3600, TEST_JWT_SECRET, NOW);
    const result = await verifyAccessToken(token, TEST_JWT_SECRET, NOW + 10);
    expect(result).toEqual({ ok: true, claims: { sub: "acct_1", iat: NOW, exp: NOW + 3600 } });
  });

  it("refuses expired tokens at exactly exp", async () => {
    const token = await signAccessToken("acct_1", 60, TEST_JWT_SECRET, NOW);
    expect(await verifyAccessToken(token, TEST_JWT_SECRET, NOW + 60)).toEqual({ ok: false, reason: "expired" });
  });

  it.each([
    ["alg none", { alg: "none", typ: "JWT" }, "algorithm"],
    ["HS512", { alg: "HS512", typ: "JWT" }, "algorithm"],
    ["RS256", { alg: "RS256" }, "algorithm"],
    ["other typ", { alg: "HS256", typ: "JWE" }, "algorithm"],
  ])("refuses %s", async (_name, header, reason) => {
    const token = await craftToken(header, { sub: "acct_1", iat: NOW, exp: NOW + 60 }, { hash: "SHA-512" });
    expect(await verifyAccessToken(token, TEST_JWT_SECRET, NOW)).toEqual({ ok: false, reason });
  });

  it("refuses alg none with an empty signature", async () => {
    const token = await craftToken({ alg: "none" }, { sub: "acct_1", iat: NOW, exp: NOW + 60 }, { signature: "" });
    expect((await verifyAccessToken(token, TEST_JWT_SECRET, NOW)).ok).toBe(false);
  });

  it("refuses a token signed with another secret", async () => {
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, { sub: "acct_1", iat: NOW, exp: NOW + 60 }, { secret: "another-secret-of-enough-length-0123456789" });
    expect(await verifyAccessToken(token, TEST_JWT_SECRET, NOW)).toEqual({ ok: false, reason: "signature" });
  });

  it("refuses a tampered payload", async () => {
    const token = await signAccessToken("acct_1", 3600, TEST_JWT_SECRET, NOW);
    const [h, , s] = token.split(".");
    const forged = await craftToken({ alg: "HS256", typ: "JWT" }, { sub: "acct_2", iat: NOW, exp: NOW + 3600 }, { signature: s });
    expect(forged.split(".")[0]).toBe(h);
    expect(await verifyAccessToken(forged, TEST_JWT_SECRET, NOW)).toEqual({ ok: false, reason: "signature" });
  });

  it.each(["", "abc", "a.b", "a.b.c.d", "!!!.e30.xx", "e30.e30.%%%"])("refuses malformed token %j", async (token) => {
    expect((await verifyAccessToken(token, TEST_JWT_SECRET, NOW)).ok).toBe(false);
  });

  it("refuses tokens without a subject", async () => {
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, { iat: NOW, exp: NOW + 60 });
    expect(await verifyAccessToken(token, TEST_JWT_SECRET, NOW)).toEqual({ ok: false, reason: "claims" });
  });

  // The allowed clock skew is 60 s: one second more is refused, exactly 60 s passes.
  it.each([
    ["iat 61 s ahead", { iat: NOW + 61, exp: NOW + 3600 }, { ok: false, reason: "not_yet_valid" }],
    ["iat an hour ahead", { iat: NOW + 3600, exp: NOW + 7200 }, { ok: false, reason: "not_yet_valid" }],
    ["nbf 61 s ahead", { iat: NOW, nbf: NOW + 61, exp: NOW + 3600 }, { ok: false, reason: "not_yet_valid" }],
    ["nbf that is not a number", { iat: NOW, nbf: "soon", exp: NOW + 3600 }, { ok: false, reason: "claims" }],
    ["iat 60 s ahead", { iat: NOW + 60, exp: NOW + 3600 }, { ok: true, claims: { sub: "acct_1", iat: NOW + 60, exp: NOW + 3600 } }],
    ["nbf 60 s ahead", { iat: NOW, nbf: NOW + 60, exp: NOW + 3600 }, { ok: true, claims: { sub: "acct_1", iat: NOW, exp: NOW + 3600 } }],
    ["nbf in the past", { iat: NOW - 10, nbf: NOW - 10, exp: NOW + 3600 }, { ok: true, claims: { sub: "acct_1", iat: NOW - 10, exp: NOW + 3600 } }],
  ])("checks clock skew: %s", async (_name, claims, expected) => {
    const token = await craftToken({ alg: "HS256", typ: "JWT" }, { sub: "acct_1", ...claims });
    expect(await verifyAccessToken(token, TEST_JWT_SECRET, NOW)).toEqual(expected);
  });

  it("refuses to sign with an empty or short secret", async () => {
    await expect(signAccessToken("acct_1", 60, "", NOW)).rejects.toThrow(/JWT_SECRET/);
    await expect(signAccessToken("acct_1", 60, "short", NOW)).rejects.toThrow(/JWT_SECRET/);
  });
});
