-- Storefront widgets (src/widgets/): which browser origins may call the
-- services for an account, the widget tokens minted for them, and which
-- shopper a widget-created job belongs to.

-- Exact origins ("https://shop.example", no path), or "*", which only ever
-- opens the free quick DPI score. Preflight requests carry no credentials, so
-- they are answered by looking an origin up across accounts: hence the index.
CREATE TABLE widget_allowed_origins (
  account_id TEXT NOT NULL REFERENCES accounts(id),
  origin     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (account_id, origin)
) WITHOUT ROWID;

CREATE INDEX widget_allowed_origins_origin ON widget_allowed_origins (origin);

-- Every minted widget token, so that revocation is real and a token's spend
-- cap has one source of truth. What the token has spent is counted in the
-- account's Durable Object, in the same transaction as each charge.
CREATE TABLE widget_tokens (
  id          TEXT PRIMARY KEY,                      -- wt_…, the token's `sub`
  account_id  TEXT NOT NULL REFERENCES accounts(id),
  origin      TEXT NOT NULL,                         -- the only Origin it is accepted from ("*": dpi-score only)
  services    TEXT NOT NULL,                         -- JSON array: bg-remove, preflight, dpi-score
  cap_tokens  INTEGER CHECK (cap_tokens IS NULL OR cap_tokens >= 0),
  shopper_ref TEXT,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  revoked_at  TEXT
);

CREATE INDEX widget_tokens_account ON widget_tokens (account_id, created_at DESC);

-- A job created with a widget token is visible to that token's shopper
-- reference (or, without one, to that token) and to the account.
ALTER TABLE jobs ADD COLUMN shopper_ref TEXT;
ALTER TABLE jobs ADD COLUMN widget_token_id TEXT;

CREATE INDEX jobs_account_shopper ON jobs (account_id, shopper_ref) WHERE shopper_ref IS NOT NULL;
