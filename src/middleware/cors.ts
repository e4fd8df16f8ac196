import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../platform/env";
import { AppError } from "../platform/errors";
import { anyAccountAllows } from "../widgets/origins";

const ALLOWED_METHODS = "GET, POST, DELETE";
const ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key";
/** What a widget needs to read besides the body: when to retry, and the id support asks for. */
const EXPOSED_HEADERS = "Retry-After, RateLimit, RateLimit-Policy, X-Request-Id, Idempotent-Replayed";
/** Browsers cache a preflight this long (Chromium caps it at two hours); an origin removed from a list stops working on the real request anyway. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * CORS for /v1/services/* (and nothing else: account, wallet and admin
 * endpoints never answer a browser on another origin).
 *
 * - Origins match exactly, as browsers send them; `Vary: Origin` always.
 * - A preflight (OPTIONS) carries no credentials, so it is answered for an
 *   origin that any open account allows ("*" counts for the quick DPI score
 *   only); anything else gets 403 without CORS headers.
 * - A real request gets `Access-Control-Allow-Origin` only if its caller's
 *   own account allows the origin (decided in src/middleware/auth.ts, which
 *   refuses the request with 403 otherwise). When no caller could be
 *   identified (no token, a bad one), the preflight rule decides, so a widget
 *   can still read a 401 and fetch a fresh token.
 * - No cookies are involved anywhere, so Access-Control-Allow-Credentials is
 *   never sent.
 */
export const cors = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header("origin");
  const self = new URL(c.req.url).origin;

  if (c.req.method === "OPTIONS") {
    c.header("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    if (origin === undefined || c.req.header("access-control-request-method") === undefined) {
      return c.body(null, 204, { Allow: `${ALLOWED_METHODS}, OPTIONS` });
    }
    if (origin !== self && !(await anyAccountAllows(c.env, origin, c.req.path))) {
      throw new AppError("FORBIDDEN", `Pages on ${origin} are not allowed to call this API (see PUT /v1/account/allowed-origins).`);
    }
    return c.body(null, 204, {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Methods": ALLOWED_METHODS,
      "Access-Control-Allow-Headers": ALLOWED_HEADERS,
      "Access-Control-Max-Age": String(PREFLIGHT_MAX_AGE_SECONDS),
    });
  }

  await next();
  c.header("Vary", "Origin", { append: true });
  if (origin === undefined || origin === self) return;
  const allowed = c.get("corsOrigin") ?? (await anyAccountAllows(c.env, origin, c.req.path));
  if (!allowed) return;
  c.header("Access-Control-Allow-Origin", origin);
  c.header("Access-Control-Expose-Headers", EXPOSED_HEADERS);
});
