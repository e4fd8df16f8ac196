-- Webhooks (src/webhooks/): endpoints an account registers, and every
-- delivery of an event to one of them, with its attempts (Standard Webhooks).

CREATE TABLE webhook_endpoints (
  id                         TEXT PRIMARY KEY,              -- we_…
  account_id                 TEXT NOT NULL REFERENCES accounts(id),
  url                        TEXT NOT NULL,
  events                     TEXT NOT NULL,                 -- JSON array of event types
  description                TEXT,
  api_origin                 TEXT NOT NULL,                 -- this API's origin at registration: where links in payloads point
  secret                     TEXT NOT NULL,                 -- whsec_…, signs every delivery
  previous_secret            TEXT,                          -- after a rotation, still signs until previous_secret_expires_at
  previous_secret_expires_at TEXT,
  status                     TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  disabled_reason            TEXT,
  failing_since              TEXT,                          -- first failed attempt since the last success
  created_at                 TEXT NOT NULL,
  updated_at                 TEXT NOT NULL
);

CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at DESC, id DESC);

CREATE TABLE webhook_deliveries (
  id              TEXT PRIMARY KEY,                         -- msg_…, the webhook-id header
  endpoint_id     TEXT NOT NULL,
  account_id      TEXT NOT NULL,
  event_type      TEXT NOT NULL,
  resource        TEXT,                                     -- JSON { "job": id }: the body is made from it at the first attempt
  event_at        TEXT NOT NULL,                            -- when the event happened: the body's timestamp
  payload         TEXT,                                     -- the JSON body, exactly as signed (set once, then kept)
  status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  response_status INTEGER,                                  -- of the last attempt
  last_error      TEXT,
  next_attempt_at TEXT,                                     -- while pending
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL,
  delivered_at    TEXT
);

CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
-- Pending deliveries whose queue message was lost are sent again by the sweeper.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
