-- Accounts, and the queryable mirror of each account's wallet ledger.
-- The ledger itself lives in the account's Durable Object (src/wallet/);
-- rows here are copied from it, keyed by (account_id, seq), never computed here.

CREATE TABLE accounts (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE,            -- stored lower-cased
  name          TEXT,
  password_hash TEXT NOT NULL,
  created_at    TEXT NOT NULL,
  deleted_at    TEXT
);

CREATE TABLE wallet_transactions (
  account_id    TEXT NOT NULL REFERENCES accounts(id),
  seq           INTEGER NOT NULL CHECK (seq > 0),
  id            TEXT NOT NULL,                   -- "TX-00011"
  type          TEXT NOT NULL CHECK (type IN ('grant', 'debit', 'capture', 'refund')),
  amount        INTEGER NOT NULL,                -- signed change of the available balance
  held_delta    INTEGER NOT NULL,                -- signed change of the tokens on hold
  balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
  held_after    INTEGER NOT NULL CHECK (held_after >= 0),
  service       TEXT,
  job_id        TEXT,
  reason        TEXT,
  created_at    TEXT NOT NULL,
  PRIMARY KEY (account_id, seq)
) WITHOUT ROWID;

CREATE INDEX wallet_transactions_job ON wallet_transactions (account_id, job_id);

-- Admin grants are idempotent per key across all accounts: the first use of a
-- key binds it to one account and amount, and a replay must match them.
CREATE TABLE admin_grants (
  idempotency_key TEXT PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts(id),
  tokens          INTEGER NOT NULL CHECK (tokens > 0),
  reason          TEXT NOT NULL,
  created_at      TEXT NOT NULL
);
