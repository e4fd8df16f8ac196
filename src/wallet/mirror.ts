import type { LedgerEntry } from "./ledger";

/**
 * Writes ledger entries to D1. INSERT OR IGNORE on (account_id, seq) makes a
 * repeated push (a retry after a lost acknowledgement, two flushes racing)
 * harmless: an entry is mirrored once however often it is sent.
 */
export async function mirrorEntries(db: D1Database, accountId: string, entries: LedgerEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const insert = db.prepare(
    `INSERT OR IGNORE INTO wallet_transactions
       (account_id, seq, id, type, amount, held_delta, balance_after, held_after, service, job_id, reason, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  await db.batch(
    entries.map((e) =>
      insert.bind(accountId, e.seq, e.id, e.type, e.amount, e.heldDelta, e.balanceAfter, e.heldAfter, e.service, e.jobId, e.reason, e.createdAt),
    ),
  );
}
