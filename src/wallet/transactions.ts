import { and, desc, eq, lt } from "drizzle-orm";
import { database, schema } from "../db/client";
import type { Env } from "../platform/env";
import { parseTransactionId, transactionId } from "../platform/ids";
import { pageOf } from "../platform/pagination";
import type { Transaction, TransactionsQuery } from "./schemas";

/**
 * Lists an account's transactions newest first from the D1 mirror. The
 * cursor is the id of the last transaction of the previous page, so pages
 * stay stable while new entries arrive.
 */
export async function listTransactions(
  env: Env,
  accountId: string,
  query: TransactionsQuery,
): Promise<{ data: Transaction[]; meta: { nextCursor: string | null } }> {
  const t = schema.walletTransactions;
  const before = query.cursor ? parseTransactionId(query.cursor) : null;
  const rows = await database(env.DB)
    .select()
    .from(t)
    .where(
      and(
        eq(t.accountId, accountId),
        before !== null ? lt(t.seq, before) : undefined,
        query.service ? eq(t.service, query.service) : undefined,
      ),
    )
    .orderBy(desc(t.seq))
    .limit(query.limit + 1);
  return pageOf(
    rows,
    query.limit,
    ({ id, type, amount, balanceAfter, heldAfter, service, jobId, reason, createdAt }) => ({ id, type, amount, balanceAfter, heldAfter, service, jobId, reason, createdAt }),
    (last) => transactionId(last.seq),
  );
}
