import { z } from "@hono/zod-openapi";
import { LEDGER_ENTRY_TYPES, MAX_TOKENS_PER_ENTRY } from "./ledger";

export const Wallet = z
  .object({
    balance: z.number().int().openapi({ description: "Tokens available to spend." }),
    held: z.number().int().openapi({ description: "Tokens charged for jobs that are still running." }),
    currency: z.literal("tokens"),
  })
  .openapi("Wallet");

export const Transaction = z
  .object({
    id: z.string().openapi({ example: "TX-00011" }),
    type: z.enum(LEDGER_ENTRY_TYPES),
    amount: z.number().int().openapi({ description: "Change of the available balance (negative for a debit)." }),
    balanceAfter: z.number().int(),
    heldAfter: z.number().int(),
    service: z.string().nullable(),
    jobId: z.string().nullable(),
    reason: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi("Transaction");
export type Transaction = z.infer<typeof Transaction>;

export const MAX_PAGE_LIMIT = 100;

export const TransactionsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(20),
  cursor: z
    .string()
    .regex(/^TX-\d{5,}$/, { message: "must be a nextCursor returned by this endpoint" })
    .optional(),
  service: z.string().max(64).optional().openapi({ description: "Only transactions of this service." }),
});
export type TransactionsQuery = z.infer<typeof TransactionsQuery>;

export const TransactionPage = z
  .object({ data: z.array(Transaction), meta: z.object({ nextCursor: z.string().nullable() }) })
  .openapi("TransactionPage");

export const WalletGrant = z
  .object({
    email: z.email().max(254).optional(),
    accountId: z.string().min(1).max(64).optional(),
    tokens: z.number().int().min(1).max(MAX_TOKENS_PER_ENTRY),
    reason: z.string().trim().min(1).max(500),
    idempotencyKey: z.string().min(1).max(255),
  })
  .refine((g) => (g.email === undefined) !== (g.accountId === undefined), {
    message: "give exactly one of email or accountId",
    path: ["email"],
  })
  .openapi("WalletGrant");
export type WalletGrant = z.infer<typeof WalletGrant>;

export const WalletGrantResult = z
  .object({
    data: z.object({
      accountId: z.string(),
      transaction: Transaction,
      balance: z.number().int(),
    }),
  })
  .openapi("WalletGrantResult");
