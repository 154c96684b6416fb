-- Offline-scan conflicts are acknowledged by a person, who is recorded with the time.
ALTER TABLE redemption_conflicts ADD COLUMN resolved_by bigint REFERENCES staff_accounts;
ALTER TABLE redemption_conflicts ADD COLUMN resolution_note text CHECK (length(resolution_note) <= 500);
CREATE INDEX redemption_conflicts_open ON redemption_conflicts (received_at) WHERE resolved_at IS NULL;
