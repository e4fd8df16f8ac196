-- The sweeper (src/maintenance/sweeper.ts, a Cron Trigger of the API Worker).

-- Where a long walk through R2 (expired uploads) stopped, so the next run goes on from there.
CREATE TABLE sweeper_state (
  name       TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- Debits past the job deadline whose hold the mirror shows still open: found by type and age.
CREATE INDEX wallet_transactions_type_created ON wallet_transactions (type, created_at);
