import type { Env } from "../platform/env";
import { AppError } from "../platform/errors";
import type { WidgetSpender } from "./account-wallet";
import type { LedgerEntry } from "./ledger";
import type { Service } from "../pricing/prices";
import type { Transaction } from "./schemas";

/** The account's wallet Durable Object. */
export function walletOf(env: Env, accountId: string) {
  return env.WALLET.get(env.WALLET.idFromName(accountId));
}

export function toTransaction(entry: LedgerEntry): Transaction {
  return {
    id: entry.id,
    type: entry.type,
    amount: entry.amount,
    balanceAfter: entry.balanceAfter,
    heldAfter: entry.heldAfter,
    service: entry.service,
    jobId: entry.jobId,
    reason: entry.reason,
    createdAt: entry.createdAt,
  };
}

/**
 * The 402 of the public reference. The handler adds `top_up_url`, which
 * depends on the deployment's address.
 */
export function insufficientTokens(balance: number, shortfall: number, message = `This needs ${shortfall} more tokens than the wallet holds.`): AppError {
  return new AppError("INSUFFICIENT_TOKENS", message, { details: { balance, shortfall } });
}

export interface Charge {
  accountId: string;
  service: Service;
  jobId: string;
  tokens: number;
  /** Same key, same charge: a retried create never debits twice. */
  idempotencyKey: string;
  /** Set when a widget token pays: its spend cap is checked with the debit. */
  widget?: WidgetSpender;
}

/** Puts a job's price on hold, or throws the 402. Returns the debit entry (possibly an earlier one, on replay). */
export async function chargeForJob(env: Env, charge: Charge): Promise<{ entry: LedgerEntry; replayed: boolean }> {
  const result = await walletOf(env, charge.accountId).debit(charge.accountId, {
    amount: charge.tokens,
    service: charge.service,
    jobId: charge.jobId,
    idempotencyKey: charge.idempotencyKey,
    widget: charge.widget,
  });
  if (!result.ok) {
    if (result.limit === "widget-cap") {
      throw insufficientTokens(result.balance, result.shortfall, `This widget token may spend ${result.balance} more tokens; this needs ${result.balance + result.shortfall}.`);
    }
    // A shopper's page must not learn the shop's balance: to a widget, a short
    // wallet reads as nothing left to spend.
    if (charge.widget) throw insufficientTokens(0, charge.tokens, "The shop cannot pay for this right now.");
    throw insufficientTokens(result.balance, result.shortfall);
  }
  return { entry: result.entry, replayed: result.replayed };
}

export async function refundJob(env: Env, accountId: string, jobId: string, reason: string) {
  return walletOf(env, accountId).refund(accountId, { jobId, reason });
}

/** A job's hold as the wallet has it (null if it was never charged). */
export async function holdOf(env: Env, accountId: string, jobId: string) {
  return walletOf(env, accountId).holdOf(jobId);
}

export async function settleJob(env: Env, accountId: string, jobId: string, finalCost?: number) {
  return walletOf(env, accountId).settle(accountId, { jobId, finalCost });
}

export async function walletSummary(env: Env, accountId: string) {
  const { balance, held } = await walletOf(env, accountId).summary();
  return { balance, held, currency: "tokens" as const };
}
