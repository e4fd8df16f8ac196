import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { findActiveAccount } from "../accounts/accounts";
import { CLOCK_SKEW_SECONDS, verifyAccessToken } from "../auth/jwt";
import type { AppEnv } from "../platform/env";
import { AppError, rateLimited, unauthorized } from "../platform/errors";
import { timingSafeEqual, utf8 } from "../platform/encoding";
import { readSettings } from "../platform/settings";
import { setRateLimitHeaders } from "./rate-limit-headers";
import { walletOf } from "../wallet/wallet";
import { ANY_ORIGIN, originAllowed, readAllowedOrigins } from "../widgets/origins";
import type { WidgetService } from "../widgets/schemas";
import { readWidgetLimits } from "../widgets/settings";
import { looksLikeWidgetToken } from "../widgets/token";
import { authenticateWidgetToken, type WidgetCaller } from "../widgets/tokens";

declare module "hono" {
  interface ContextVariableMap {
    /** Set when a storefront widget token made the request; unset for the account's own access token. */
    widget?: WidgetCaller;
    /**
     * Whether the request's (cross-origin) Origin may read the answer, decided
     * here once the caller's account is known; src/middleware/cors.ts reads it.
     */
    corsOrigin?: boolean;
  }
}

const UNAUTHORIZED_MESSAGES = {
  malformed: "The bearer token is malformed.",
  algorithm: "The bearer token must be an HS256 JWT.",
  signature: "The bearer token's signature is not valid.",
  expired: "The bearer token has expired; log in again.",
  not_yet_valid: `The bearer token is not valid yet: its iat or nbf is more than ${CLOCK_SKEW_SECONDS} seconds in the future.`,
  claims: "The bearer token lacks required claims.",
} as const;

const nowSeconds = () => Math.floor(Date.now() / 1000);

function bearerToken(c: Context<AppEnv>): string {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized(header ? "The Authorization header must be 'Bearer <access_token>'." : undefined);
  return match[1]!;
}

/**
 * A browser page on another origin may call the services with the
 * account's access token only from an allowed origin, like a widget: the
 * request is refused outright (403, and no CORS headers), because hiding the
 * answer alone would still let a charge go through.
 */
async function checkAccountOrigin(c: Context<AppEnv>, accountId: string): Promise<void> {
  const origin = c.req.header("origin");
  const self = new URL(c.req.url).origin;
  if (origin === undefined || origin === self || !c.req.path.startsWith("/v1/services/")) return;
  const allowed = originAllowed(await readAllowedOrigins(c.env, accountId), origin, c.req.path, self);
  c.set("corsOrigin", allowed);
  if (!allowed) throw new AppError("FORBIDDEN", `Pages on ${origin} may not call this API for this account (see PUT /v1/account/allowed-origins).`);
}

async function authenticateAccount(c: Context<AppEnv>, token: string): Promise<void> {
  const verdict = await verifyAccessToken(token, c.env.JWT_SECRET, nowSeconds());
  if (!verdict.ok) throw unauthorized(UNAUTHORIZED_MESSAGES[verdict.reason]);

  const account = await findActiveAccount(c.env, verdict.claims.sub);
  if (!account) throw unauthorized("The account of this token no longer exists.");
  await checkAccountOrigin(c, account.id);

  const limit = readSettings(c.env).rateLimitPerMinute;
  const admission = await walletOf(c.env, account.id).admit([{ key: "account", policy: "account", limit }]);
  setRateLimitHeaders(c, admission.states);
  if (!admission.ok) {
    throw rateLimited(admission.retryAfterSeconds, `This account is limited to ${limit} requests per minute.`);
  }
  c.set("account", { id: account.id, email: account.email });
}

/**
 * Account JWT auth, then the per-account rate limit (counted in the
 * account's Durable Object, so every isolate sees the same count). A
 * storefront widget token is refused here with 403 (401 if it is not even a
 * valid one): widget tokens reach only the routes that use requireService.
 */
export const requireAccount = createMiddleware<AppEnv>(async (c, next) => {
  const token = bearerToken(c);
  if (looksLikeWidgetToken(token)) {
    await authenticateWidgetToken(c.env, token, nowSeconds());
    throw new AppError("FORBIDDEN", "Widget tokens cannot call this endpoint; it needs the account's access token.");
  }
  await authenticateAccount(c, token);
  await next();
});

/**
 * The Origin a widget request comes from. Browsers send Origin with every
 * cross-origin request, but not with same-origin GETs; those are marked
 * `Sec-Fetch-Site: same-origin` instead (the demo page on this API's origin).
 */
function pageOrigin(c: Context<AppEnv>): string | null {
  const origin = c.req.header("origin");
  if (origin !== undefined) return origin;
  return c.req.header("sec-fetch-site") === "same-origin" ? new URL(c.req.url).origin : null;
}

async function authenticateWidget(c: Context<AppEnv>, token: string, services: readonly WidgetService[]): Promise<void> {
  const { account, caller, allowedOrigins } = await authenticateWidgetToken(c.env, token, nowSeconds());
  const origin = pageOrigin(c);

  // The token is bound to the page it was minted for; and an origin the shop
  // has since removed from its list stops working at once.
  const fromItsPage = caller.origin === ANY_ORIGIN || origin === caller.origin;
  const stillAllowed = origin === null || originAllowed(allowedOrigins, origin, c.req.path, new URL(c.req.url).origin);
  c.set("corsOrigin", stillAllowed && fromItsPage);
  if (!fromItsPage) throw new AppError("FORBIDDEN", `This widget token is only accepted from pages on ${caller.origin}.`);
  if (!stillAllowed) throw new AppError("FORBIDDEN", `Pages on ${origin} are no longer allowed to call this API for this account.`);
  if (!services.some((service) => caller.services.includes(service))) {
    throw new AppError("FORBIDDEN", `This widget token is not scoped to ${services.join(" or ")}.`, { details: { scopes: caller.services } });
  }

  const limits = readWidgetLimits(c.env);
  const admission = await walletOf(c.env, account.id).admit([
    { key: `token:${caller.tokenId}`, policy: "widget-token", limit: limits.perTokenPerMinute },
    { key: `origin:${origin ?? "none"}`, policy: "widget-origin", limit: limits.perOriginPerMinute },
  ]);
  setRateLimitHeaders(c, admission.states);
  if (!admission.ok) {
    const message = admission.key.startsWith("token:")
      ? `A widget token is limited to ${limits.perTokenPerMinute} requests per minute.`
      : `Widgets on one origin are limited to ${limits.perOriginPerMinute} requests per minute together.`;
    throw rateLimited(admission.retryAfterSeconds, message);
  }
  c.set("account", account);
  c.set("widget", caller);
}

/**
 * For the services a storefront widget may call: the account's access token
 * (exactly as requireAccount), or a widget token scoped to one of `services`,
 * used from its own origin, within its rate limits.
 */
export function requireService(...services: WidgetService[]) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearerToken(c);
    if (looksLikeWidgetToken(token)) await authenticateWidget(c, token, services);
    else await authenticateAccount(c, token);
    await next();
  });
}

/** Operator and payment-webhook endpoints: the X-Admin-Key header must equal ADMIN_API_KEY. */
export const requireAdminKey = createMiddleware<AppEnv>(async (c, next) => {
  const expected = c.env.ADMIN_API_KEY ?? "";
  const given = c.req.header("x-admin-key");
  if (!given) throw unauthorized("The X-Admin-Key header is required.");
  // Compare digests so the comparison is constant-time whatever the lengths.
  const [a, b] = await Promise.all([crypto.subtle.digest("SHA-256", utf8(given)), crypto.subtle.digest("SHA-256", utf8(expected))]);
  if (expected === "" || !timingSafeEqual(new Uint8Array(a), new Uint8Array(b))) {
    throw new AppError("FORBIDDEN", "The admin key is not valid.");
  }
  await next();
});
