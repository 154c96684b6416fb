-- A window is swept an hour after it ends, not after it starts: windows may be longer
-- than an hour (sign-in lockouts, unknown-code limits), and sweeping them early would
-- wipe the counts they hold.
ALTER TABLE rate_limits ADD COLUMN window_seconds integer NOT NULL DEFAULT 60 CHECK (window_seconds > 0);
