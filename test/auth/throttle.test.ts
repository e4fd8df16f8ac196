// Login and sign-up are throttled (src/auth/throttle.ts): failed logins per
// email, attempts per client IP, sign-ups per client IP; 429 with
// Retry-After, and no PBKDF2 work for a refused attempt. Limits are set
// tight here through the Worker's env; TEST_BINDINGS keep them loose for the
// rest of the suite.
import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../src/index";
import type { Env } from "../../src/platform/env";
import { PASSWORD, signUp, uniqueEmail } from "../helpers/api";

async function call(path: string, body: unknown, settings: Partial<Env>, ip?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (ip) headers["cf-connecting-ip"] = ip;
  const request = new Request(`http://api.test${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  const response = await worker.fetch(request, { ...(env as Env), ...settings }, createExecutionContext());
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

/** A distinct documentation address (RFC 5737) per test, so counts do not mix. */
const ip = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
const login = (email: string, password: string, settings: Partial<Env>, from = ip()) => call("/v1/account/login", { email, password }, settings, from);

describe("login throttling", () => {
  it("after 3 failed logins an email is refused with 429 for the hour, even with the right password, from any address", async () => {
    const shop = await signUp("guessed");
    const tight = { LOGIN_FAILURES_PER_EMAIL_PER_HOUR: "3" };
    for (let i = 0; i < 3; i++) expect((await login(shop.email, `Wrong-pass-${i}!`, tight)).status).toBe(401);
    const refused = await login(shop.email, PASSWORD, tight);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toBe("RATE_LIMITED");
    expect(refused.body.message).toMatch(/at most 3 an hour/);
    const retryAfter = Number(refused.headers.get("retry-after"));
    // The first failure leaves the hour's window first: within an hour from now.
    expect(retryAfter).toBeGreaterThan(3_500);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    // Another email is not affected.
    const other = await signUp("bystander");
    expect((await login(other.email, PASSWORD, tight)).status).toBe(200);
  });

  it("throttles an unknown email exactly like a known one, so 429 does not reveal which emails exist", async () => {
    const tight = { LOGIN_FAILURES_PER_EMAIL_PER_HOUR: "2" };
    const nobody = uniqueEmail("nobody");
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await login(nobody, PASSWORD, tight)).status);
    expect(statuses).toEqual([401, 401, 429]);
  });

  it("a successful login clears the email's failures", async () => {
    const shop = await signUp("typo");
    const tight = { LOGIN_FAILURES_PER_EMAIL_PER_HOUR: "3" };
    for (let i = 0; i < 2; i++) expect((await login(shop.email, "Typo-pass-1!", tight)).status).toBe(401);
    expect((await login(shop.email, PASSWORD, tight)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await login(shop.email, "Typo-pass-1!", tight)).status).toBe(401);
    expect((await login(shop.email, PASSWORD, tight)).status).toBe(429);
  });

  it("limits login attempts per client IP across emails, and leaves other addresses alone", async () => {
    const tight = { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: "4" };
    const from = ip();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(uniqueEmail("spray"), PASSWORD, tight, from)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const refused = await login(uniqueEmail("spray"), PASSWORD, tight, from);
    expect(refused.body.message).toMatch(/at most 4 a minute/);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    const shop = await signUp("elsewhere");
    expect((await login(shop.email, PASSWORD, tight, "198.51.100.20")).status).toBe(200);
  });
});

describe("sign-up throttling", () => {
  it("limits accounts created per client IP per hour", async () => {
    const tight = { SIGNUPS_PER_IP_PER_HOUR: "2" };
    const from = ip();
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await call("/v1/account", { email: uniqueEmail("farm"), password: PASSWORD }, tight, from)).status);
    expect(statuses).toEqual([201, 201, 429]);
    const other = await call("/v1/account", { email: uniqueEmail("farm"), password: PASSWORD }, tight, "198.51.100.77");
    expect(other.status).toBe(201);
  });
});
