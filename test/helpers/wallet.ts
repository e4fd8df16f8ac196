import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { walletOf } from "../../src/wallet/wallet";

/**
 * The ledger invariants, checked on the Durable Object's entries and on the
 * D1 mirror: balance = Σ amount, held = Σ heldDelta, nothing negative,
 * sequence without gaps, and the mirror equal to the ledger.
 */
export async function expectLedgerConsistent(accountId: string): Promise<{ balance: number; held: number }> {
  const wallet = walletOf(env, accountId);
  const entries = await wallet.entries();
  const { balance, held } = await wallet.summary();
  expect(entries.reduce((sum, e) => sum + e.amount, 0)).toBe(balance);
  expect(entries.reduce((sum, e) => sum + e.heldDelta, 0)).toBe(held);
  expect(balance).toBeGreaterThanOrEqual(0);
  expect(held).toBeGreaterThanOrEqual(0);
  entries.forEach((e, i) => {
    expect(e.seq).toBe(i + 1);
    expect(e.balanceAfter).toBeGreaterThanOrEqual(0);
  });
  const mirror = await env.DB.prepare("SELECT seq, id, type, amount, held_delta AS heldDelta, balance_after AS balanceAfter FROM wallet_transactions WHERE account_id = ? ORDER BY seq")
    .bind(accountId)
    .all();
  expect(mirror.results).toEqual(entries.map(({ seq, id, type, amount, heldDelta, balanceAfter }) => ({ seq, id, type, amount, heldDelta, balanceAfter })));
  return { balance, held };
}
