-- The storefront widgets' share of the daily full-check quota. Checks made
-- with widget tokens count in `checks` (the account's quota) and here too,
-- both in the one conditional UPSERT that takes a check (src/preflight/quota.ts),
-- so shoppers can use at most WIDGET_PREFLIGHT_CHECKS_PER_DAY of the
-- account's checks and the rest stays the shop's own.
ALTER TABLE preflight_usage ADD COLUMN widget_checks INTEGER NOT NULL DEFAULT 0;
