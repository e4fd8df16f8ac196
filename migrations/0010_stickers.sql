-- Sticker jobs (POST /v1/services/stickers) share the jobs table. SQLite
-- cannot change a CHECK constraint in place, so the table is rebuilt with
-- 'sticker' among its kinds, same columns in the same order, and its indexes
-- are made again. No other table references jobs.
CREATE TABLE jobs_new (
  id                    TEXT PRIMARY KEY,
  account_id            TEXT NOT NULL REFERENCES accounts(id),
  kind                  TEXT NOT NULL CHECK (kind IN ('bg_remove', 'ai_fix', 'sticker')),
  status                TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'analyzing', 'applying', 'completed', 'failed')),
  source_url            TEXT NOT NULL,
  params                TEXT NOT NULL DEFAULT '{}',
  result                TEXT,
  output_key            TEXT,
  output_content_type   TEXT,
  tokens_deducted       INTEGER NOT NULL CHECK (tokens_deducted >= 0),
  tokens_charged        INTEGER,
  wallet_transaction_id TEXT,
  error_message         TEXT,
  attempts              INTEGER NOT NULL DEFAULT 0,
  report_id             TEXT,
  created_at            TEXT NOT NULL,
  started_at            TEXT,
  completed_at          TEXT,
  updated_at            TEXT NOT NULL,
  decision              TEXT CHECK (decision IN ('approved', 'rejected')),
  decided_at            TEXT,
  decision_report_id    TEXT,
  shopper_ref           TEXT,
  widget_token_id       TEXT
);

INSERT INTO jobs_new SELECT id, account_id, kind, status, source_url, params, result, output_key, output_content_type,
  tokens_deducted, tokens_charged, wallet_transaction_id, error_message, attempts, report_id, created_at, started_at,
  completed_at, updated_at, decision, decided_at, decision_report_id, shopper_ref, widget_token_id FROM jobs;
DROP TABLE jobs;
ALTER TABLE jobs_new RENAME TO jobs;

CREATE INDEX jobs_account_created ON jobs (account_id, created_at DESC);
CREATE INDEX jobs_unfinished ON jobs (status, updated_at) WHERE status NOT IN ('completed', 'failed');
CREATE INDEX jobs_account_shopper ON jobs (account_id, shopper_ref) WHERE shopper_ref IS NOT NULL;
CREATE INDEX jobs_account_completed ON jobs (account_id, completed_at) WHERE completed_at IS NOT NULL;
