import { describe, expect, it } from "vitest";
import { http } from "./http";

// Over real HTTP against `wrangler dev`, with the settings of .dev.vars.
const ADMIN_KEY = "dev-admin-key";

describe("local server (npm run dev)", () => {
  it("serves the demo account, granted 10,000 tokens", async () => {
    const login = await http("/v1/account/login", { body: { email: "demo@example.com", password: "Demo-pass-1" } });
    expect(login.status).toBe(200);
    const token = login.body.access_token;
    // Other tests on this server may spend from the demo account, so its
    // ledger, not a fixed balance, is what must hold.
    const ledger: { id: string; type: string; amount: number; balanceAfter: number }[] = [];
    for (let cursor: string | null = null; ; ) {
      const page = await http(`/v1/wallet/transactions?limit=100${cursor ? `&cursor=${cursor}` : ""}`, { token });
      ledger.push(...page.body.data);
      cursor = page.body.meta.nextCursor;
      if (!cursor) break;
    }
    expect(ledger.at(-1)).toMatchObject({ id: "TX-00001", type: "grant", amount: 10_000, balanceAfter: 10_000 });
    const wallet = (await http("/v1/wallet", { token })).body.data;
    expect(wallet.balance).toBe(ledger.reduce((sum, tx) => sum + tx.amount, 0));
    expect(wallet.balance).toBe(ledger[0]!.balanceAfter);
  });

  it("walks sign-up → login → grant → wallet → transactions", async () => {
    const email = `e2e-${Date.now()}@example.com`;
    const signUp = await http("/v1/account", { body: { email, password: "E2e-pass-word1", name: "E2E Shop" } });
    expect(signUp.status).toBe(201);

    const login = await http("/v1/account/login", { body: { email, password: "E2e-pass-word1" } });
    expect(login.status).toBe(200);
    const token = login.body.access_token;

    const grant = await http("/v1/admin/wallet-grants", {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { email, tokens: 1_200, reason: "token pack", idempotencyKey: `e2e-${email}` },
    });
    expect(grant.status).toBe(201);
    expect(grant.body.data.transaction).toMatchObject({ id: "TX-00001", type: "grant", amount: 1_200 });

    expect((await http("/v1/wallet", { token })).body.data).toEqual({ balance: 1_200, held: 0, currency: "tokens" });
    const transactions = await http("/v1/wallet/transactions", { token });
    expect(transactions.body).toEqual({
      data: [expect.objectContaining({ id: "TX-00001", type: "grant", amount: 1_200, balanceAfter: 1_200 })],
      meta: { nextCursor: null },
    });
  });

  it("answers errors as JSON over HTTP", async () => {
    const res = await http("/v1/wallet", { headers: { authorization: "Bearer forged.token.value" } });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe("UNAUTHORIZED");
    const missing = await http("/nowhere");
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe("NOT_FOUND");
  });
});
