-- A completed AI fix job is approved or rejected by the shop, once.
-- approve: a fresh preflight report of the corrected file (decision_report_id);
-- reject: the corrected file is deleted; the tokens stay spent.
ALTER TABLE jobs ADD COLUMN decision TEXT CHECK (decision IN ('approved', 'rejected'));
ALTER TABLE jobs ADD COLUMN decided_at TEXT;
ALTER TABLE jobs ADD COLUMN decision_report_id TEXT;
