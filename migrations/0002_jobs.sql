-- Jobs of every kind (background removal, AI fix jobs) share one table and
-- one lifecycle (src/jobs/). Kind-specific options and results are JSON.
CREATE TABLE jobs (
  id                    TEXT PRIMARY KEY,
  account_id            TEXT NOT NULL REFERENCES accounts(id),
  kind                  TEXT NOT NULL CHECK (kind IN ('bg_remove', 'ai_fix')),
  status                TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'analyzing', 'applying', 'completed', 'failed')),
  source_url            TEXT NOT NULL,
  params                TEXT NOT NULL DEFAULT '{}',   -- JSON, validated options of the create request
  result                TEXT,                         -- JSON, facts about the output
  output_key            TEXT,                         -- R2 key of the output
  output_content_type   TEXT,
  tokens_deducted       INTEGER NOT NULL CHECK (tokens_deducted >= 0),
  tokens_charged        INTEGER,                      -- final cost, set when the hold is captured
  wallet_transaction_id TEXT,
  error_message         TEXT,
  attempts              INTEGER NOT NULL DEFAULT 0,
  report_id             TEXT,                         -- the preflight report an AI fix job comes from
  created_at            TEXT NOT NULL,
  started_at            TEXT,
  completed_at          TEXT,
  updated_at            TEXT NOT NULL
);

CREATE INDEX jobs_account_created ON jobs (account_id, created_at DESC);
CREATE INDEX jobs_unfinished ON jobs (status, updated_at) WHERE status NOT IN ('completed', 'failed');
