import type { Env } from "../platform/env";
import { rateLimited } from "../platform/errors";
import { readSettings } from "../platform/settings";

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Takes one full check from the account's daily quota, or refuses with 429
 * and Retry-After at the next UTC midnight. One conditional UPSERT: D1 runs
 * statements one at a time, so concurrent checks cannot both take the last
 * slot. Returns the release for a check that ends without a report.
 */
export async function takePreflightQuota(env: Env, accountId: string, now = new Date()): Promise<() => Promise<void>> {
  const limit = readSettings(env).preflightChecksPerDay;
  const day = utcDay(now);
  const taken = await env.DB.prepare(
    `INSERT INTO preflight_usage (account_id, day, checks) VALUES (?1, ?2, 1)
     ON CONFLICT (account_id, day) DO UPDATE SET checks = checks + 1 WHERE checks < ?3
     RETURNING checks`,
  )
    .bind(accountId, day, limit)
    .first<{ checks: number }>();
  if (!taken) {
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    throw rateLimited((midnight - now.getTime()) / 1000, `This account's plan allows ${limit} full preflight checks per day (UTC); the quota resets at midnight UTC.`);
  }
  return async () => {
    await env.DB.prepare("UPDATE preflight_usage SET checks = checks - 1 WHERE account_id = ?1 AND day = ?2 AND checks > 0").bind(accountId, day).run();
  };
}
