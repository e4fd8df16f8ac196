import type { Env } from "../platform/env";
import { rateLimited } from "../platform/errors";
import { readSettings } from "../platform/settings";

const utcDay = (now: Date) => now.toISOString().slice(0, 10);

/**
 * Takes one full check from the account's daily quota, or refuses with 429
 * and Retry-After at the next UTC midnight. A check made with a widget token
 * also takes one from the widgets' daily share, so shoppers can never use
 * up the checks the shop needs for itself. One conditional UPSERT: D1 runs
 * statements one at a time, so concurrent checks cannot both take the last
 * slot of either count, and a refused check takes from neither. Returns the
 * release for a check that ends without a report.
 */
export async function takePreflightQuota(
  env: Env,
  accountId: string,
  options: { widget?: boolean; now?: Date } = {},
): Promise<() => Promise<void>> {
  const { preflightChecksPerDay: limit, widgetPreflightChecksPerDay: widgetLimit } = readSettings(env);
  const now = options.now ?? new Date();
  const day = utcDay(now);
  const widget = options.widget ? 1 : 0;
  const taken = await env.DB.prepare(
    `INSERT INTO preflight_usage (account_id, day, checks, widget_checks) VALUES (?1, ?2, 1, ?4)
     ON CONFLICT (account_id, day) DO UPDATE SET checks = checks + 1, widget_checks = widget_checks + ?4
       WHERE checks < ?3 AND (?4 = 0 OR widget_checks < ?5)
     RETURNING checks`,
  )
    .bind(accountId, day, limit, widget, widgetLimit)
    .first<{ checks: number }>();
  if (!taken) {
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
    const retryAfter = (midnight - now.getTime()) / 1000;
    // Which count was full decides only the message; the UPSERT above already refused.
    const usage = widget
      ? await env.DB.prepare("SELECT checks FROM preflight_usage WHERE account_id = ?1 AND day = ?2").bind(accountId, day).first<{ checks: number }>()
      : null;
    if (usage && usage.checks < limit) {
      throw rateLimited(
        retryAfter,
        `This shop's storefront widgets may run ${widgetLimit} full preflight checks per day (UTC) together; their share resets at midnight UTC.`,
      );
    }
    throw rateLimited(retryAfter, `This account's plan allows ${limit} full preflight checks per day (UTC); the quota resets at midnight UTC.`);
  }
  return async () => {
    await env.DB.prepare(
      "UPDATE preflight_usage SET checks = MAX(checks - 1, 0), widget_checks = MAX(widget_checks - ?3, 0) WHERE account_id = ?1 AND day = ?2",
    )
      .bind(accountId, day, widget)
      .run();
  };
}
