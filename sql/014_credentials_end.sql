-- Staff credentials end when they should (issue 15).
--
-- Every staff token carries the account's credential version; a token of another
-- version is refused. The version moves with the password and with every change of
-- `active` (disabling ends every token, re-enabling revives none), and on "sign out
-- everywhere". A trigger moves it, so no path (API, `tbc create-user`, SQL by hand)
-- can change a password and leave the old tokens alive.
ALTER TABLE staff_accounts ADD COLUMN credential_version integer NOT NULL DEFAULT 1;

CREATE FUNCTION staff_credentials_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash OR NEW.active IS DISTINCT FROM OLD.active THEN
        NEW.credential_version := OLD.credential_version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER staff_credentials_changed
    BEFORE UPDATE OF password_hash, active ON staff_accounts
    FOR EACH ROW EXECUTE FUNCTION staff_credentials_changed();

-- One token ended by its sign-out (by its id), kept until it would have expired anyway.
CREATE TABLE ended_staff_tokens (
    token_id    uuid PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX ended_staff_tokens_expiry ON ended_staff_tokens (expires_at);

-- Wrong passwords for one account from every address together: past the ceiling the
-- account is locked for a while that doubles with each lockout in a row.
CREATE TABLE sign_in_lockouts (
    username        text PRIMARY KEY,
    failures        integer NOT NULL DEFAULT 0,
    first_failure_at timestamptz NOT NULL DEFAULT now(),
    lockouts        integer NOT NULL DEFAULT 0,
    locked_until    timestamptz
);

-- What an OT should know about its people's accounts: a lockout after many wrong
-- passwords (an attack, or a forgotten password).
CREATE TABLE account_alerts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('sign_in_locked')),
    account_id  bigint NOT NULL REFERENCES staff_accounts ON DELETE CASCADE,
    -- the account's OT (its own, or its site's); NULL for pilot and admin accounts
    ot_id       text REFERENCES ots,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX account_alerts_ot ON account_alerts (ot_id, created_at DESC);
