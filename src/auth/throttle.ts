import { DurableObject } from "cloudflare:workers";
import type { Env } from "../platform/env";
import { rateLimited } from "../platform/errors";
import { limitState, type LimitState } from "../platform/rate-limit";
import { readSettings } from "../platform/settings";

/**
 * One counter of login or sign-up attempts (idFromName of its key: an email
 * address or a client IP). Unlike request rates, these are stored: an
 * attacker guessing one account's password slowly would otherwise get a
 * fresh count every time the object was evicted between guesses. Each
 * object deletes its storage once its window is empty.
 */
export class Throttle extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
  }

  /**
   * With `count`, records one more hit if there is room (`admitted`);
   * without, only says whether there is room. Either way, the limit's state.
   */
  async hit(policy: string, limit: number, windowMs: number, count: boolean): Promise<{ admitted: boolean; state: LimitState }> {
    const now = Date.now();
    // Here, not in the constructor: deleteAll() drops the table while the object lives on.
    this.sql.exec("CREATE TABLE IF NOT EXISTS hits (at INTEGER NOT NULL); CREATE INDEX IF NOT EXISTS hits_at ON hits (at);");
    this.sql.exec("DELETE FROM hits WHERE at <= ?", now - windowMs);
    const times = this.sql.exec<{ at: number }>("SELECT at FROM hits ORDER BY at").toArray().map((r) => r.at);
    const state = limitState(policy, times, limit, windowMs, now);
    if (state.remaining === 0) return { admitted: false, state };
    if (!count) return { admitted: true, state };
    this.sql.exec("INSERT INTO hits (at) VALUES (?)", now);
    await this.ctx.storage.setAlarm(now + windowMs + 1000);
    return { admitted: true, state: limitState(policy, [...times, now], limit, windowMs, now) };
  }

  /** Forgets the hits (a successful login clears its email's failures). */
  async clear(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function counter(env: Env, key: string) {
  return env.THROTTLE.get(env.THROTTLE.idFromName(key));
}

/**
 * The client's address as Cloudflare's edge gives it. Requests that did not
 * pass through the edge (local development, tests) share one "local" bucket.
 */
export function clientIp(request: Request): string {
  return request.headers.get("cf-connecting-ip")?.trim() || "local";
}

/**
 * Before a login's password is looked at (so refusals cost no PBKDF2 work):
 * one attempt counted against the client IP, and the email refused while it
 * has had too many failures. Unknown emails are throttled the same way, so
 * the answer does not tell which emails have accounts.
 */
export async function admitLogin(env: Env, ip: string, email: string): Promise<void> {
  const settings = readSettings(env);
  const perIp = await counter(env, `login-ip:${ip}`).hit("login-ip", settings.loginAttemptsPerIpPerMinute, MINUTE, true);
  if (!perIp.admitted) {
    throw rateLimited(perIp.state.resetSeconds, `Too many login attempts from this address; at most ${settings.loginAttemptsPerIpPerMinute} a minute.`);
  }
  const failures = await counter(env, `login-email:${email}`).hit("login-email", settings.loginFailuresPerEmailPerHour, HOUR, false);
  if (!failures.admitted) {
    throw rateLimited(failures.state.resetSeconds, `Too many failed logins for this email; at most ${settings.loginFailuresPerEmailPerHour} an hour. Try again later.`);
  }
}

/** After the password was checked: a failure counts against the email, a success clears its failures. */
export async function recordLogin(env: Env, email: string, ok: boolean): Promise<void> {
  const failures = counter(env, `login-email:${email}`);
  if (ok) await failures.clear();
  else await failures.hit("login-email", readSettings(env).loginFailuresPerEmailPerHour, HOUR, true);
}

/** One sign-up counted against the client IP, or 429. */
export async function admitSignup(env: Env, ip: string): Promise<void> {
  const limit = readSettings(env).signupsPerIpPerHour;
  const perIp = await counter(env, `signup-ip:${ip}`).hit("signup-ip", limit, HOUR, true);
  if (!perIp.admitted) throw rateLimited(perIp.state.resetSeconds, `Too many accounts created from this address; at most ${limit} an hour.`);
}
