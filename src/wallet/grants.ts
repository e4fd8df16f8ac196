import { eq } from "drizzle-orm";
import { findActiveAccount, findActiveAccountByEmail } from "../accounts/accounts";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { AppError, notFound } from "../platform/errors";
import type { LedgerEntry } from "./ledger";
import type { WalletGrant } from "./schemas";
import { walletOf } from "./wallet";

/**
 * Credits tokens (what a payment webhook or an operator calls). The key is
 * first bound to one account and amount in D1, so a replay, even one that
 * names the account differently, credits once; the wallet's own idempotency
 * key makes the credit itself happen once even if this call is retried.
 */
export async function grantTokens(env: Env, grant: WalletGrant): Promise<{ accountId: string; entry: LedgerEntry; balance: number; replayed: boolean }> {
  const account = grant.accountId ? await findActiveAccount(env, grant.accountId) : await findActiveAccountByEmail(env, grant.email!);
  if (!account) throw notFound("The account");

  const db = database(env.DB);
  await db
    .insert(schema.adminGrants)
    .values({ idempotencyKey: grant.idempotencyKey, accountId: account.id, tokens: grant.tokens, reason: grant.reason, createdAt: new Date().toISOString() })
    .onConflictDoNothing();
  const bound = await db.query.adminGrants.findFirst({ where: eq(schema.adminGrants.idempotencyKey, grant.idempotencyKey) });
  if (!bound || bound.accountId !== account.id || bound.tokens !== grant.tokens) {
    throw new AppError("CONFLICT", "This idempotencyKey was already used for a different grant.");
  }

  const { entry, replayed } = await walletOf(env, account.id).grant(account.id, {
    amount: grant.tokens,
    reason: bound.reason,
    idempotencyKey: grant.idempotencyKey,
  });
  // The balance right after this grant, so a replay answers exactly as the first call did.
  return { accountId: account.id, entry, balance: entry.balanceAfter, replayed };
}
