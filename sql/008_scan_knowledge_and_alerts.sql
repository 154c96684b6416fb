-- What each scanner could know: when it last fetched the revocation list (with the
-- device's token, or the partner account's when it has no device). A synced scan of
-- a pass revoked before that moment is refused.
ALTER TABLE devices ADD COLUMN revocations_known_at timestamptz;
ALTER TABLE staff_accounts ADD COLUMN revocations_known_at timestamptz;

-- What an OT should look at about its sites' scanners: a revoked pass accepted offline
-- before the desk could know, a burst of unknown pass codes.
CREATE TABLE scan_alerts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('revoked_pass_accepted_offline', 'unknown_codes_burst')),
    site_id     text NOT NULL REFERENCES sites,
    account_id  bigint NOT NULL REFERENCES staff_accounts,
    device_id   bigint REFERENCES devices,
    device      text NOT NULL,
    pass_id     bigint REFERENCES passes,
    details     jsonb NOT NULL DEFAULT '{}',
    -- one burst alert per scanner and window, whatever the concurrency
    once_key    text UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scan_alerts_site ON scan_alerts (site_id, created_at DESC);
