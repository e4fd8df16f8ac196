-- Usage reports (GET /v1/usage, src/usage/report.ts) sum one account's
-- ledger entries over a range of days and count the jobs that ended in it.

-- An account's entries by date: the range is a slice of this index.
CREATE INDEX wallet_transactions_account_created ON wallet_transactions (account_id, created_at);

-- Jobs by when they ended (completed or failed); unfinished jobs have no completed_at.
CREATE INDEX jobs_account_completed ON jobs (account_id, completed_at) WHERE completed_at IS NOT NULL;
