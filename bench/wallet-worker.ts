import type { Env } from "../src/platform/env";
import { walletOf } from "../src/wallet/wallet";

export { AccountWallet } from "../src/wallet/account-wallet";

/**
 * GET /run?charges=N&concurrency=C — one fresh account, N debits of 10
 * tokens sent C at a time into its Durable Object, then each hold ended
 * (alternately captured and refunded). Answers with the ledger totals so the
 * caller can check nothing was lost.
 */
export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    const charges = Number(url.searchParams.get("charges") ?? 1000);
    const concurrency = Number(url.searchParams.get("concurrency") ?? 50);
    const accountId = `bench_${crypto.randomUUID()}`;
    await env.DB.prepare("INSERT INTO accounts (id, email, password_hash, created_at) VALUES (?, ?, 'x', ?)")
      .bind(accountId, `${accountId}@bench.invalid`, new Date().toISOString())
      .run();
    const wallet = walletOf(env, accountId);
    await wallet.grant(accountId, { amount: charges * 10, reason: "bench", idempotencyKey: "bench" });

    const phase = async (work: (i: number) => Promise<unknown>) => {
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < charges) await work(next++);
        }),
      );
      return performance.now() - started;
    };
    const debitMs = await phase((i) => wallet.debit(accountId, { amount: 10, service: "bg-remove", jobId: `j${i}`, idempotencyKey: `j${i}` }));
    const endMs = await phase((i) =>
      i % 2 ? wallet.refund(accountId, { jobId: `j${i}`, reason: "bench" }) : wallet.settle(accountId, { jobId: `j${i}` }),
    );
    const summary = await wallet.summary();
    const mirrored = await env.DB.prepare("SELECT COUNT(*) AS n FROM wallet_transactions WHERE account_id = ?").bind(accountId).first<{ n: number }>();
    return Response.json({ charges, concurrency, debitMs, endMs, summary, mirrored: mirrored?.n ?? 0 });
  },
};
