import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { walletOf } from "../../src/wallet/wallet";
import { ADMIN_KEY, api, grant, signUp } from "../helpers/api";

describe("GET /v1/wallet", () => {
  it("starts empty and shows grants", async () => {
    const { token, id } = await signUp();
    expect((await api("/v1/wallet", { token })).body).toEqual({ data: { balance: 0, held: 0, currency: "tokens" } });
    await grant(id, 700);
    expect((await api("/v1/wallet", { token })).body.data).toEqual({ balance: 700, held: 0, currency: "tokens" });
  });
});

describe("POST /v1/admin/wallet-grants", () => {
  it("credits by email or account id and returns the transaction", async () => {
    const { id, email, token } = await signUp();
    const byEmail = await api("/v1/admin/wallet-grants", {
      headers: { "x-admin-key": ADMIN_KEY },
      body: { email: email.toUpperCase(), tokens: 250, reason: "pack of 250", idempotencyKey: `pay-${id}-1` },
    });
    expect(byEmail.status).toBe(201);
    expect(byEmail.body.data).toMatchObject({
      accountId: id,
      balance: 250,
      transaction: { id: "TX-00001", type: "grant", amount: 250, balanceAfter: 250, reason: "pack of 250", jobId: null },
    });
    const byId = await grant(id, 50);
    expect(byId.body.data.transaction.id).toBe("TX-00002");
    expect((await api("/v1/wallet", { token })).body.data.balance).toBe(300);
  });

  it("credits once when replayed, concurrently or later, and returns the same result", async () => {
    const { id, token } = await signUp();
    const key = `webhook-${id}`;
    const replies = await Promise.all(Array.from({ length: 8 }, () => grant(id, 1000, key)));
    expect(replies.every((r) => r.status === 201)).toBe(true);
    const later = await grant(id, 1000, key);
    for (const reply of [...replies, later]) expect(reply.body.data).toEqual(replies[0]!.body.data);
    expect(later.headers.get("idempotent-replayed")).toBe("true");
    expect((await api("/v1/wallet", { token })).body.data.balance).toBe(1000);
  });

  it("refuses to reuse a key for another account or amount", async () => {
    const a = await signUp();
    const b = await signUp();
    const key = `shared-${a.id}`;
    expect((await grant(a.id, 100, key)).status).toBe(201);
    expect((await grant(b.id, 100, key)).body.error).toBe("CONFLICT");
    expect((await grant(a.id, 999, key)).status).toBe(409);
    expect((await api("/v1/wallet", { token: b.token })).body.data.balance).toBe(0);
  });

  it("requires the admin key", async () => {
    const { id } = await signUp();
    const body = { accountId: id, tokens: 10, reason: "x", idempotencyKey: "k" };
    const missing = await api("/v1/admin/wallet-grants", { body });
    expect(missing.status).toBe(401);
    const wrong = await api("/v1/admin/wallet-grants", { body, headers: { "x-admin-key": "guess" } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error).toBe("FORBIDDEN");
  });

  it("validates the grant", async () => {
    const { id } = await signUp();
    const cases = [
      { accountId: id, tokens: 0, reason: "x", idempotencyKey: "k" },
      { accountId: id, tokens: 1.5, reason: "x", idempotencyKey: "k" },
      { accountId: id, tokens: "10", reason: "x", idempotencyKey: "k" },
      { tokens: 10, reason: "x", idempotencyKey: "k" },
      { accountId: id, email: "a@example.com", tokens: 10, reason: "x", idempotencyKey: "k" },
      { accountId: id, tokens: 10, reason: "", idempotencyKey: "k" },
    ];
    for (const body of cases) {
      const res = await api("/v1/admin/wallet-grants", { body, headers: { "x-admin-key": ADMIN_KEY } });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error).toBe("VALIDATION_ERROR");
      expect(res.body.issues.length).toBeGreaterThan(0);
    }
    const unknown = await api("/v1/admin/wallet-grants", {
      body: { accountId: "acct_nope", tokens: 10, reason: "x", idempotencyKey: "k-unknown" },
      headers: { "x-admin-key": ADMIN_KEY },
    });
    expect(unknown.status).toBe(404);
  });
});

describe("GET /v1/wallet/transactions", () => {
  it("pages newest first with a stable cursor and filters by service", async () => {
    const { id, token } = await signUp();
    await grant(id, 5_000);
    const wallet = walletOf(env, id);
    for (let i = 0; i < 24; i++) {
      await wallet.debit(id, { amount: 10, service: i % 2 ? "bg-remove" : "preflight-ai-fix", jobId: `j${i}`, idempotencyKey: `d${i}` });
    }
    const first = await api("/v1/wallet/transactions", { token });
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(20);
    expect(first.body.data[0]).toMatchObject({ id: "TX-00025", type: "debit", amount: -10, balanceAfter: 4760, jobId: "j23", service: "bg-remove" });
    expect(first.body.meta.nextCursor).toBe("TX-00006");

    const second = await api(`/v1/wallet/transactions?cursor=${first.body.meta.nextCursor}`, { token });
    expect(second.body.data.map((t: { id: string }) => t.id)).toEqual(["TX-00005", "TX-00004", "TX-00003", "TX-00002", "TX-00001"]);
    expect(second.body.meta.nextCursor).toBeNull();

    const small = await api("/v1/wallet/transactions?limit=3&service=bg-remove", { token });
    expect(small.body.data.map((t: { id: string }) => t.id)).toEqual(["TX-00025", "TX-00023", "TX-00021"]);
  });

  it.each(["limit=0", "limit=101", "limit=abc", "cursor=nope", "cursor=TX-1"])("400 for %s", async (query) => {
    const { token } = await signUp();
    const res = await api(`/v1/wallet/transactions?${query}`, { token });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("VALIDATION_ERROR");
  });

  it("shows only the caller's transactions", async () => {
    const a = await signUp();
    const b = await signUp();
    await grant(a.id, 100);
    expect((await api("/v1/wallet/transactions", { token: b.token })).body.data).toEqual([]);
  });
});
