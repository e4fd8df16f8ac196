-- Full preflight reports. The checked file itself stays in R2 (source_key)
-- so AI fix jobs can start from it without fetching the caller's URL again.
CREATE TABLE preflight_reports (
  id            TEXT PRIMARY KEY,                 -- report_…
  account_id    TEXT NOT NULL REFERENCES accounts(id),
  design_id     TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('passed', 'warnings', 'failed')),
  file_type     TEXT NOT NULL CHECK (file_type IN ('jpeg', 'png', 'tiff', 'pdf')),
  file_url      TEXT NOT NULL,                    -- as the caller gave it
  source_key    TEXT NOT NULL,                    -- R2 key of the checked bytes
  source_bytes  INTEGER NOT NULL,
  requirements  TEXT NOT NULL,                    -- JSON, after defaults
  file          TEXT NOT NULL,                    -- JSON, measured facts
  issues        TEXT NOT NULL,                    -- JSON array
  created_at    TEXT NOT NULL
);

-- Listing is newest first per account; (created_at, id) is the cursor.
CREATE INDEX preflight_reports_account_created ON preflight_reports (account_id, created_at DESC, id DESC);

-- Daily full-check quota: one row per account and UTC day, bumped by a single
-- conditional UPSERT so concurrent checks cannot overshoot the limit.
CREATE TABLE preflight_usage (
  account_id TEXT NOT NULL,
  day        TEXT NOT NULL,                       -- YYYY-MM-DD (UTC)
  checks     INTEGER NOT NULL,
  PRIMARY KEY (account_id, day)
);
