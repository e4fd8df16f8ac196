import { eq } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { validationError, type ValidationIssue } from "../platform/errors";

/** "*" opens only the free quick DPI score to every origin; nothing else has a wildcard. */
export const ANY_ORIGIN = "*";
export const DPI_SCORE_PATH = "/v1/services/preflight/dpi-score";

/**
 * Why `value` is not an origin as browsers send it in the Origin header, or
 * null if it is one. Exact form only (scheme, host, port; lower case; no
 * default port, path or trailing slash), because requests are matched by
 * string equality: a near-miss stored here would silently never match.
 */
export function originProblem(value: string): string | null {
  if (value === ANY_ORIGIN) return null;
  if (value.includes("*")) return 'wildcards are not allowed; list each origin, or "*" alone for the quick DPI score';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "is not an origin such as https://shop.example";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must be an http or https origin";
  if (url.username || url.password || url.origin !== value) {
    return `must be exactly scheme://host[:port], as browsers send it (here: ${url.origin})`;
  }
  return null;
}

/** Validates and de-duplicates a list of origins, keeping the caller's order. */
export function parseOrigins(values: string[], path = "origins"): string[] {
  const issues: ValidationIssue[] = [];
  values.forEach((value, i) => {
    const problem = originProblem(value);
    if (problem) issues.push({ path: `${path}.${i}`, message: problem });
  });
  if (issues.length > 0) throw validationError(issues, "Allowed origins must be exact origins.");
  return [...new Set(values)];
}

export async function readAllowedOrigins(env: Env, accountId: string): Promise<string[]> {
  const rows = await database(env.DB)
    .select({ origin: schema.widgetAllowedOrigins.origin })
    .from(schema.widgetAllowedOrigins)
    .where(eq(schema.widgetAllowedOrigins.accountId, accountId))
    .orderBy(schema.widgetAllowedOrigins.createdAt, schema.widgetAllowedOrigins.origin);
  return rows.map((row) => row.origin);
}

/** Replaces the whole list in one batch, so a request never sees half of an update. */
export async function replaceAllowedOrigins(env: Env, accountId: string, origins: string[]): Promise<string[]> {
  const db = database(env.DB);
  const t = schema.widgetAllowedOrigins;
  const now = new Date().toISOString();
  const remove = db.delete(t).where(eq(t.accountId, accountId));
  if (origins.length === 0) await remove;
  else await db.batch([remove, db.insert(t).values(origins.map((origin) => ({ accountId, origin, createdAt: now })))]);
  return origins;
}

/**
 * Whether a browser page on `origin` may call `path` for an account whose
 * allowed origins are `allowed`. The API's own origin (the dashboard, the
 * demo page) is first-party and always may.
 */
export function originAllowed(allowed: readonly string[], origin: string, path: string, selfOrigin: string): boolean {
  if (origin === selfOrigin) return true;
  if (allowed.includes(origin)) return true;
  return path === DPI_SCORE_PATH && allowed.includes(ANY_ORIGIN);
}

/**
 * CORS preflight requests carry no credentials, so they cannot be matched to
 * one account: they pass when any open account allows the origin. The real
 * request is then checked against the caller's own account, and refused with
 * 403 (and no CORS headers) when that account does not allow the origin.
 */
export async function anyAccountAllows(env: Env, origin: string, path: string): Promise<boolean> {
  const wildcard = path === DPI_SCORE_PATH ? ANY_ORIGIN : origin;
  const row = await env.DB.prepare(
    `SELECT 1 AS ok FROM widget_allowed_origins o JOIN accounts a ON a.id = o.account_id AND a.deleted_at IS NULL
     WHERE o.origin IN (?1, ?2) LIMIT 1`,
  )
    .bind(origin, wildcard)
    .first<{ ok: number }>();
  return row !== null;
}
