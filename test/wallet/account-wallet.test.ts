import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { walletOf } from "../../src/wallet/wallet";
import { signUp } from "../helpers/api";
import { expectLedgerConsistent } from "../helpers/wallet";

async function fundedWallet(tokens: number) {
  const { id } = await signUp("wallet");
  const wallet = walletOf(env, id);
  await wallet.grant(id, { amount: tokens, reason: "test", idempotencyKey: crypto.randomUUID() });
  return { id, wallet };
}

describe("AccountWallet", () => {
  it("accepts exactly 3 of 50 concurrent 150-token charges against 450 tokens", async () => {
    const { id, wallet } = await fundedWallet(450);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        wallet.debit(id, { amount: 150, service: "bg-remove", jobId: `job-${i}`, idempotencyKey: `charge-${i}` }),
      ),
    );
    const accepted = results.filter((r) => r.ok);
    expect(accepted).toHaveLength(3);
    for (const r of results.filter((r) => !r.ok)) expect(r).toEqual({ ok: false, balance: 0, shortfall: 150 });
    expect(await expectLedgerConsistent(id)).toEqual({ balance: 0, held: 450 });
  });

  it("replays a debit with the same key instead of charging twice", async () => {
    const { id, wallet } = await fundedWallet(1000);
    const first = await wallet.debit(id, { amount: 150, service: "bg-remove", jobId: "job-a", idempotencyKey: "k1" });
    const again = await wallet.debit(id, { amount: 150, service: "bg-remove", jobId: "job-a", idempotencyKey: "k1" });
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.replayed).toBe(true);
    expect(again.entry).toEqual(first.entry);
    expect((await wallet.summary()).balance).toBe(850);
  });

  it("refunds a hold exactly once and never after capture", async () => {
    const { id, wallet } = await fundedWallet(300);
    await wallet.debit(id, { amount: 150, service: "bg-remove", jobId: "job-r", idempotencyKey: "r" });
    await wallet.debit(id, { amount: 150, service: "bg-remove", jobId: "job-c", idempotencyKey: "c" });

    const refunds = await Promise.all([1, 2, 3].map(() => wallet.refund(id, { jobId: "job-r", reason: "failed" })));
    expect(refunds.map((r) => r.entries.length).sort()).toEqual([0, 0, 1]);
    expect(refunds.every((r) => r.state === "refunded" && r.refunded === 150)).toBe(true);

    const settled = await wallet.settle(id, { jobId: "job-c" });
    expect(settled).toMatchObject({ state: "captured", captured: 150, refunded: 0 });
    const lateRefund = await wallet.refund(id, { jobId: "job-c", reason: "too late" });
    expect(lateRefund).toMatchObject({ state: "captured", entries: [] });

    expect(await expectLedgerConsistent(id)).toEqual({ balance: 150, held: 0 });
  });

  it("settles below the estimate by refunding the difference", async () => {
    const { id, wallet } = await fundedWallet(200);
    await wallet.debit(id, { amount: 155, service: "preflight-ai-fix", jobId: "job-s", idempotencyKey: "s" });
    const outcome = await wallet.settle(id, { jobId: "job-s", finalCost: 105 });
    expect(outcome).toMatchObject({ state: "captured", captured: 105, refunded: 50 });
    expect(outcome.entries.map((e) => [e.type, e.amount, e.heldDelta])).toEqual([
      ["capture", 0, -105],
      ["refund", 50, -50],
    ]);
    expect(await expectLedgerConsistent(id)).toEqual({ balance: 95, held: 0 });
  });

  it("keeps its invariants under a random concurrent workload with duplicate deliveries", async () => {
    const { id, wallet } = await fundedWallet(2_000);
    // A small deterministic generator, so a failure can be replayed.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const operations: Promise<unknown>[] = [];
    for (let i = 0; i < 120; i++) {
      const jobId = `job-${i}`;
      const amount = 20 + Math.floor(random() * 200);
      const copies = 1 + Math.floor(random() * 3); // duplicate deliveries of the same call
      for (let k = 0; k < copies; k++) {
        operations.push(
          wallet.debit(id, { amount, service: "bg-remove", jobId, idempotencyKey: jobId }).then(async (r) => {
            if (!r.ok) return;
            const end = random();
            if (end < 0.4) await wallet.refund(id, { jobId, reason: "failed" });
            else if (end < 0.8) await wallet.settle(id, { jobId, finalCost: Math.floor(amount / 2) });
          }),
        );
      }
      if (random() < 0.1) operations.push(wallet.grant(id, { amount: 300, reason: "top-up", idempotencyKey: `g-${i % 4}` }));
    }
    await Promise.all(operations);
    const { balance, held } = await expectLedgerConsistent(id);
    const entries = await wallet.entries();
    // Each job was debited at most once and ended at most once.
    const debits = entries.filter((e) => e.type === "debit").map((e) => e.jobId);
    expect(new Set(debits).size).toBe(debits.length);
    const captures = entries.filter((e) => e.type === "capture").map((e) => e.jobId);
    expect(new Set(captures).size).toBe(captures.length);
    const grants = entries.filter((e) => e.type === "grant");
    expect(grants.length).toBeLessThanOrEqual(5);
    expect(balance + held).toBeGreaterThanOrEqual(0);
  });
});
