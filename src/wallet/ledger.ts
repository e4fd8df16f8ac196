import { transactionId } from "../platform/ids";

/**
 * The wallet ledger, as pure rules over numbers. Every token movement is an
 * entry; an entry's `amount` is its change of the available balance and its
 * `heldDelta` its change of the tokens on hold, so at any point
 *   balance = Σ amount   and   held = Σ heldDelta,
 * and both must stay ≥ 0. A charge is a `debit` that puts tokens on hold for
 * a job; the job's end either `capture`s them (the charge becomes final) or
 * `refund`s them, never both and never twice.
 */
export const LEDGER_ENTRY_TYPES = ["grant", "debit", "capture", "refund"] as const;
export type LedgerEntryType = (typeof LEDGER_ENTRY_TYPES)[number];

export const HOLD_STATES = ["held", "captured", "refunded"] as const;
export type HoldState = (typeof HOLD_STATES)[number];

export interface LedgerEntry {
  seq: number;
  id: string;
  type: LedgerEntryType;
  amount: number;
  heldDelta: number;
  balanceAfter: number;
  heldAfter: number;
  service: string | null;
  jobId: string | null;
  reason: string | null;
  createdAt: string;
}

export interface WalletTotals {
  balance: number;
  held: number;
  lastSeq: number;
}

export interface Movement {
  type: LedgerEntryType;
  amount: number;
  heldDelta: number;
  service?: string | null;
  jobId?: string | null;
  reason?: string | null;
}

/** Largest grant or charge accepted in one entry; keeps sums far from 2^53. */
export const MAX_TOKENS_PER_ENTRY = 1_000_000_000;

export function isValidTokenAmount(tokens: number): boolean {
  return Number.isSafeInteger(tokens) && tokens > 0 && tokens <= MAX_TOKENS_PER_ENTRY;
}

/** The entry that applies `movement` to `totals`, or an error if it would make a total negative. */
export function applyMovement(totals: WalletTotals, movement: Movement, createdAt: string): LedgerEntry {
  const balanceAfter = totals.balance + movement.amount;
  const heldAfter = totals.held + movement.heldDelta;
  if (balanceAfter < 0 || heldAfter < 0) {
    throw new Error(`ledger invariant: ${movement.type} would leave balance ${balanceAfter}, held ${heldAfter}`);
  }
  const seq = totals.lastSeq + 1;
  return {
    seq,
    id: transactionId(seq),
    type: movement.type,
    amount: movement.amount,
    heldDelta: movement.heldDelta,
    balanceAfter,
    heldAfter,
    service: movement.service ?? null,
    jobId: movement.jobId ?? null,
    reason: movement.reason ?? null,
    createdAt,
  };
}

/**
 * Splits the end of a hold of `held` tokens into what is captured and what is
 * refunded, for a job whose final price is `finalCost` (≤ the amount held).
 */
export function settleHold(held: number, finalCost: number): { capture: number; refund: number } {
  if (!Number.isSafeInteger(finalCost) || finalCost < 0 || finalCost > held) {
    throw new Error(`cannot settle a hold of ${held} at ${finalCost}`);
  }
  return { capture: finalCost, refund: held - finalCost };
}
