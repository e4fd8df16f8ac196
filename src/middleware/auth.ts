import { createMiddleware } from "hono/factory";
import { findActiveAccount } from "../accounts/accounts";
import { verifyAccessToken } from "../auth/jwt";
import type { AppEnv } from "../platform/env";
import { AppError, rateLimited, unauthorized } from "../platform/errors";
import { timingSafeEqual, utf8 } from "../platform/encoding";
import { readSettings } from "../platform/settings";
import { walletOf } from "../wallet/wallet";

const UNAUTHORIZED_MESSAGES = {
  malformed: "The bearer token is malformed.",
  algorithm: "The bearer token must be an HS256 JWT.",
  signature: "The bearer token's signature is not valid.",
  expired: "The bearer token has expired; log in again.",
  claims: "The bearer token lacks required claims.",
} as const;

/**
 * Account JWT auth, then the per-account rate limit (counted in the
 * account's Durable Object, so every isolate sees the same count).
 */
export const requireAccount = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header("authorization");
  const match = header ? /^Bearer[ ]+([^\s]+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized(header ? "The Authorization header must be 'Bearer <access_token>'." : undefined);

  const verdict = await verifyAccessToken(match[1]!, c.env.JWT_SECRET, Math.floor(Date.now() / 1000));
  if (!verdict.ok) throw unauthorized(UNAUTHORIZED_MESSAGES[verdict.reason]);

  const account = await findActiveAccount(c.env, verdict.claims.sub);
  if (!account) throw unauthorized("The account of this token no longer exists.");

  const limit = readSettings(c.env).rateLimitPerMinute;
  const admission = await walletOf(c.env, account.id).admit(limit);
  if (!admission.ok) {
    throw rateLimited(admission.retryAfterSeconds, `This account is limited to ${limit} requests per minute.`);
  }

  c.set("account", { id: account.id, email: account.email });
  await next();
});

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
