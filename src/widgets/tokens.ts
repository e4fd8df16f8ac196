import { and, eq, isNull } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { AuthenticatedAccount, Env } from "../platform/env";
import { notFound, unauthorized, validationError } from "../platform/errors";
import { prefixedId } from "../platform/ids";
import { walletOf } from "../wallet/wallet";
import { ANY_ORIGIN, originProblem, readAllowedOrigins } from "./origins";
import type { MintWidgetToken, WidgetService, WidgetTokenInfo } from "./schemas";
import { signWidgetToken, verifyWidgetToken } from "./token";

/** Who is calling when a request carries a widget token. */
export interface WidgetCaller {
  tokenId: string;
  origin: string;
  services: WidgetService[];
  capTokens: number | null;
  shopperRef: string | null;
}

type TokenRow = typeof schema.widgetTokens.$inferSelect;

function toInfo(row: TokenRow): WidgetTokenInfo {
  return {
    tokenId: row.id,
    origin: row.origin,
    services: row.services as WidgetService[],
    capTokens: row.capTokens,
    shopperRef: row.shopperRef,
    createdAt: row.createdAt,
    expiresAt: row.expiresAt,
    revokedAt: row.revokedAt,
  };
}

/**
 * Mints a widget token for a page on `input.origin`. The origin must already
 * be allowed for the account (or be this API's own origin, where the demo
 * page runs); "*" mints only dpi-score tokens, and only if the account lists "*".
 */
export async function mintWidgetToken(env: Env, accountId: string, selfOrigin: string, input: MintWidgetToken) {
  const problem = originProblem(input.origin);
  if (problem) throw validationError([{ path: "origin", message: problem }]);
  if (input.origin === ANY_ORIGIN && input.services.some((s) => s !== "dpi-score")) {
    throw validationError([{ path: "origin", message: '"*" can only be used for a token whose only service is dpi-score' }]);
  }
  const allowed = await readAllowedOrigins(env, accountId);
  if (input.origin !== selfOrigin && !allowed.includes(input.origin)) {
    throw validationError(
      [{ path: "origin", message: "is not one of this account's allowed origins; add it with PUT /v1/account/allowed-origins" }],
      "Widget tokens can only be minted for an allowed origin.",
    );
  }

  const nowSeconds = Math.floor(Date.now() / 1000);
  const row: TokenRow = {
    id: prefixedId("wt"),
    accountId,
    origin: input.origin,
    services: [...input.services],
    capTokens: input.capTokens,
    shopperRef: input.shopperRef,
    createdAt: new Date(nowSeconds * 1000).toISOString(),
    expiresAt: new Date((nowSeconds + input.ttlSeconds) * 1000).toISOString(),
    revokedAt: null,
  };
  await database(env.DB).insert(schema.widgetTokens).values(row);
  const token = await signWidgetToken({ sub: row.id, acc: accountId, iat: nowSeconds, exp: nowSeconds + input.ttlSeconds }, env.JWT_SECRET);
  return { ...toInfo(row), token, tokenType: "widget" as const, expiresIn: input.ttlSeconds };
}

async function accountToken(env: Env, accountId: string, tokenId: string): Promise<TokenRow> {
  const t = schema.widgetTokens;
  const row = await database(env.DB).query.widgetTokens.findFirst({ where: and(eq(t.id, tokenId), eq(t.accountId, accountId)) });
  if (!row) throw notFound("The widget token");
  return row;
}

/** A token's record and what it has spent so far (counted by the wallet, with the charges). */
export async function describeWidgetToken(env: Env, accountId: string, tokenId: string) {
  const row = await accountToken(env, accountId, tokenId);
  const { spent } = await walletOf(env, accountId).widgetSpend(row.id);
  return { ...toInfo(row), spentTokens: spent };
}

/** Revokes a token at once: every later request with it is a 401. Revoking again changes nothing. */
export async function revokeWidgetToken(env: Env, accountId: string, tokenId: string) {
  const row = await accountToken(env, accountId, tokenId);
  const t = schema.widgetTokens;
  if (!row.revokedAt) {
    await database(env.DB)
      .update(t)
      .set({ revokedAt: new Date().toISOString() })
      .where(and(eq(t.id, tokenId), isNull(t.revokedAt)));
  }
  return toInfo((await accountToken(env, accountId, tokenId)));
}

const REFUSALS = {
  malformed: "The widget token is malformed.",
  signature: "The widget token's signature is not valid.",
  expired: "The widget token has expired; ask the shop's token endpoint for a new one.",
  claims: "The widget token lacks required claims.",
} as const;

export interface WidgetIdentity {
  account: AuthenticatedAccount;
  caller: WidgetCaller;
  /** The account's allowed origins, read in the same round trip. */
  allowedOrigins: string[];
}

/**
 * Verifies a widget token and loads what the request needs in one D1
 * batch: the token's record (revoked? the account still open?) and the
 * account's allowed origins. Throws 401 for anything that is not a live token.
 */
export async function authenticateWidgetToken(env: Env, token: string, nowSeconds: number): Promise<WidgetIdentity> {
  const verdict = await verifyWidgetToken(token, env.JWT_SECRET, nowSeconds);
  if (!verdict.ok) throw unauthorized(REFUSALS[verdict.reason]);
  const { sub, acc } = verdict.claims;
  const [tokens, origins] = await env.DB.batch([
    env.DB.prepare(
      `SELECT t.id, t.origin, t.services, t.cap_tokens, t.shopper_ref, t.revoked_at, a.email
       FROM widget_tokens t JOIN accounts a ON a.id = t.account_id AND a.deleted_at IS NULL
       WHERE t.id = ?1 AND t.account_id = ?2`,
    ).bind(sub, acc),
    env.DB.prepare("SELECT origin FROM widget_allowed_origins WHERE account_id = ?1").bind(acc),
  ]);
  const row = tokens?.results[0] as
    | { id: string; origin: string; services: string; cap_tokens: number | null; shopper_ref: string | null; revoked_at: string | null; email: string }
    | undefined;
  if (!row) throw unauthorized("The widget token is not known, or its account was closed.");
  if (row.revoked_at) throw unauthorized("The widget token was revoked.");
  return {
    account: { id: acc, email: row.email },
    caller: {
      tokenId: row.id,
      origin: row.origin,
      services: JSON.parse(row.services) as WidgetService[],
      capTokens: row.cap_tokens,
      shopperRef: row.shopper_ref,
    },
    allowedOrigins: ((origins?.results ?? []) as { origin: string }[]).map((o) => o.origin),
  };
}
