import { createRoute, z } from "@hono/zod-openapi";
import { requireAccount, requireAdminKey } from "../middleware/auth";
import { grantTokens } from "../wallet/grants";
import { TransactionPage, TransactionsQuery, Wallet, WalletGrant, WalletGrantResult } from "../wallet/schemas";
import { listTransactions } from "../wallet/transactions";
import { toTransaction, walletOf, walletSummary } from "../wallet/wallet";
import { LowBalanceThreshold, LowBalanceThresholdEnvelope } from "../webhooks/schemas";
import { adminKeyErrors, bearerAuth, bearerErrors, createRouter, errorResponses, idempotentReplayedHeader, jsonBody, jsonBodyErrors } from "./openapi";

export const walletRoutes = createRouter();

walletRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/wallet",
    tags: ["Wallet"],
    summary: "Token balance",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    responses: {
      200: { description: "The wallet", content: { "application/json": { schema: z.object({ data: Wallet }) } } },
      ...bearerErrors,
    },
  }),
  async (c) => c.json({ data: await walletSummary(c.env, c.var.account.id) }, 200),
);

walletRoutes.openapi(
  createRoute({
    method: "get",
    path: "/v1/wallet/transactions",
    tags: ["Wallet"],
    summary: "Wallet transactions, newest first",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { query: TransactionsQuery },
    responses: {
      200: { description: "A page of transactions", content: { "application/json": { schema: TransactionPage } } },
      400: errorResponses[400],
      ...bearerErrors,
    },
  }),
  async (c) => c.json(await listTransactions(c.env, c.var.account.id, c.req.valid("query")), 200),
);

walletRoutes.openapi(
  createRoute({
    method: "post",
    path: "/v1/admin/wallet-grants",
    tags: ["Admin"],
    summary: "Credit tokens to an account",
    description:
      "Called by the payment provider's webhook handler or an operator, with the X-Admin-Key header. " +
      "Replaying an idempotencyKey credits once and returns the first result.",
    security: [{ adminKey: [] }],
    middleware: [requireAdminKey] as const,
    request: { body: jsonBody(WalletGrant) },
    responses: {
      201: { description: "Credited", headers: idempotentReplayedHeader, content: { "application/json": { schema: WalletGrantResult } } },
      ...jsonBodyErrors,
      ...adminKeyErrors,
      404: errorResponses[404],
      409: errorResponses[409],
    },
  }),
  async (c) => {
    const result = await grantTokens(c.env, c.req.valid("json"));
    if (result.replayed) c.header("Idempotent-Replayed", "true");
    return c.json({ data: { accountId: result.accountId, transaction: toTransaction(result.entry), balance: result.balance } }, 201);
  },
);

walletRoutes.openapi(
  createRoute({
    method: "put",
    path: "/v1/wallet/low-balance-threshold",
    tags: ["Wallet"],
    summary: "Set the balance below which wallet.balance_low is sent",
    description: "The webhook event goes out once each time a charge takes the balance from at or above the threshold to below it. null turns it off.",
    security: bearerAuth,
    middleware: [requireAccount] as const,
    request: { body: jsonBody(LowBalanceThreshold) },
    responses: {
      200: { description: "The threshold", content: { "application/json": { schema: LowBalanceThresholdEnvelope } } },
      ...jsonBodyErrors,
      ...bearerErrors,
    },
  }),
  async (c) => {
    const lowBalanceThreshold = await walletOf(c.env, c.var.account.id).setLowBalanceThreshold(c.var.account.id, c.req.valid("json").threshold);
    return c.json({ data: { lowBalanceThreshold } }, 200);
  },
);
