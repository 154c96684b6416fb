-- The whole domain of the Tarif bas carbone. The rules that must hold whatever
-- the concurrency live here as constraints, not only in the application.

CREATE TABLE ots (
    id          text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,31}$'),
    name        text NOT NULL,
    pilot       boolean NOT NULL DEFAULT false
);

-- Arrival stops: stations and coach stops, from config or from imported timetables.
CREATE TABLE stops (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    mode        text NOT NULL CHECK (mode IN ('train', 'bus')),
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    uic         text CHECK (uic ~ '^[0-9]{7,8}$'),
    ot_id       text REFERENCES ots,
    in_lot      boolean NOT NULL DEFAULT true,
    gateway     boolean NOT NULL DEFAULT false,
    source      text NOT NULL DEFAULT 'config'
);
CREATE INDEX stops_uic ON stops (uic) WHERE uic IS NOT NULL;

CREATE TABLE sites (
    id                  text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
    ot_id               text NOT NULL REFERENCES ots,
    name                text NOT NULL,
    lat                 double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon                 double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    modes               text[] NOT NULL CHECK (cardinality(modes) > 0
                                               AND modes <@ ARRAY['train', 'bus', 'bike']),
    proof_max_age_days  integer NOT NULL CHECK (proof_max_age_days BETWEEN 0 AND 366),
    min_confidence      text NOT NULL CHECK (min_confidence IN ('plausible', 'verified')),
    bookable            boolean NOT NULL DEFAULT false,
    booking_required    boolean NOT NULL DEFAULT false CHECK (bookable OR NOT booking_required),
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sites_ot ON sites (ot_id);

-- The low-carbon offer of a site; `details` holds prices and conditions.
CREATE TABLE offers (
    site_id     text PRIMARY KEY REFERENCES sites ON DELETE CASCADE,
    label       text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);

CREATE TABLE staff_accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('partner', 'ot', 'pilot', 'admin')),
    ot_id           text REFERENCES ots,
    site_id         text REFERENCES sites,
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz,
    -- a partner is bound to one site, an OT user to one OT, the others to neither
    CHECK ((role = 'partner') = (site_id IS NOT NULL)),
    CHECK ((role = 'ot') = (ot_id IS NOT NULL))
);
CREATE UNIQUE INDEX staff_accounts_username ON staff_accounts (username);

-- Scanner devices enrolled by a partner account.
CREATE TABLE devices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES staff_accounts,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);

-- Ed25519 keys that sign the passes. The private key is stored encrypted with
-- a key derived from the deployment secret.
CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    algorithm       text NOT NULL DEFAULT 'EdDSA' CHECK (algorithm = 'EdDSA'),
    public_key      bytea NOT NULL CHECK (length(public_key) = 32),
    private_key     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    is_current      boolean NOT NULL DEFAULT false,
    retired_at      timestamptz
);
-- at most one key signs new passes
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (is_current) WHERE is_current;

-- An arrival proof. Only the facts the rules need are kept, never names or
-- birth dates; `fingerprint` is an HMAC of the normalised ticket identity and
-- makes "one proof, one pass" hold whatever method or visitor tries.
CREATE TABLE proofs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    method          text NOT NULL CHECK (method IN ('rail_barcode', 'declared_trip', 'gpx', 'attestation', 'manual')),
    mode            text NOT NULL CHECK (mode IN ('train', 'bus', 'bike')),
    fingerprint     bytea NOT NULL CHECK (length(fingerprint) = 32),
    confidence      text CHECK (confidence IN ('plausible', 'verified')),
    status          text NOT NULL CHECK (status IN ('accepted', 'pending', 'rejected')),
    arrival_date    date NOT NULL,
    arrival_stop_id text REFERENCES stops,
    persons         integer NOT NULL CHECK (persons BETWEEN 1 AND 50),
    facts           jsonb NOT NULL DEFAULT '{}'::jsonb,
    ot_id           text REFERENCES ots,
    created_at      timestamptz NOT NULL DEFAULT now(),
    reviewed_by     bigint REFERENCES staff_accounts,
    reviewed_at     timestamptz,
    review_reason   text,
    CHECK ((status = 'accepted') = (confidence IS NOT NULL))
);
CREATE UNIQUE INDEX proofs_fingerprint ON proofs (fingerprint);
CREATE INDEX proofs_pending ON proofs (ot_id, created_at) WHERE status = 'pending';

-- Photos waiting for a human; deleted once reviewed.
CREATE TABLE proof_photos (
    proof_id        bigint PRIMARY KEY REFERENCES proofs ON DELETE CASCADE,
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png')),
    content         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE passes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL CHECK (code ~ '^[2-9A-HJ-NP-Z]{10}$'),
    proof_id        bigint NOT NULL REFERENCES proofs,
    kid             text NOT NULL REFERENCES signing_keys,
    mode            text NOT NULL CHECK (mode IN ('train', 'bus', 'bike')),
    method          text NOT NULL,
    confidence      text NOT NULL CHECK (confidence IN ('plausible', 'verified')),
    persons         integer NOT NULL CHECK (persons BETWEEN 1 AND 50),
    arrival_date    date NOT NULL,
    arrival_stop_id text REFERENCES stops,
    ot_id           text REFERENCES ots,
    trip_km         double precision CHECK (trip_km >= 0),
    valid_from      timestamptz NOT NULL,
    valid_until     timestamptz NOT NULL,
    email           text,
    lang            text NOT NULL DEFAULT 'fr' CHECK (lang IN ('fr', 'en', 'es')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz,
    revoked_reason  text,
    revoked_by      bigint REFERENCES staff_accounts,
    CHECK (valid_until > valid_from),
    CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);
CREATE UNIQUE INDEX passes_code ON passes (code);
-- one proof gives at most one pass
CREATE UNIQUE INDEX passes_proof ON passes (proof_id);
CREATE INDEX passes_created ON passes (created_at);
CREATE INDEX passes_revoked ON passes (revoked_at) WHERE revoked_at IS NOT NULL;

-- A pass is used at most once per site, whichever desk scans it.
CREATE TABLE redemptions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pass_id         bigint NOT NULL REFERENCES passes,
    site_id         text NOT NULL REFERENCES sites,
    account_id      bigint NOT NULL REFERENCES staff_accounts,
    device_id       bigint REFERENCES devices,
    device          text NOT NULL,
    persons         integer NOT NULL CHECK (persons >= 1),
    source          text NOT NULL DEFAULT 'online' CHECK (source IN ('online', 'sync')),
    scanned_at      timestamptz,
    redeemed_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (pass_id, site_id)
);
CREATE INDEX redemptions_site_time ON redemptions (site_id, redeemed_at);

-- Uses scanned offline that lost to an earlier use of the same pass at the
-- same site: kept and flagged for the OT, never silently dropped.
CREATE TABLE redemption_conflicts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    redemption_id   bigint NOT NULL REFERENCES redemptions,
    account_id      bigint NOT NULL REFERENCES staff_accounts,
    device_id       bigint REFERENCES devices,
    device          text NOT NULL,
    persons         integer NOT NULL CHECK (persons >= 1),
    scanned_at      timestamptz,
    received_at     timestamptz NOT NULL DEFAULT now(),
    resolved_at     timestamptz
);

-- Idempotency of scans: the answer to each (site, client nonce), replayed as is.
CREATE TABLE scan_requests (
    site_id         text NOT NULL REFERENCES sites,
    nonce           text NOT NULL CHECK (length(nonce) BETWEEN 8 AND 128),
    account_id      bigint NOT NULL REFERENCES staff_accounts,
    received_at     timestamptz NOT NULL DEFAULT now(),
    status_code     integer,
    -- json, not jsonb: a replay returns the first answer exactly as it was sent
    response        json,
    PRIMARY KEY (site_id, nonce)
);

-- Bookable slots: `booked` can never exceed `capacity`.
CREATE TABLE slots (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     text NOT NULL REFERENCES sites,
    starts_at   timestamptz NOT NULL,
    ends_at     timestamptz NOT NULL,
    capacity    integer NOT NULL CHECK (capacity > 0),
    booked      integer NOT NULL DEFAULT 0,
    CHECK (ends_at > starts_at),
    CHECK (booked BETWEEN 0 AND capacity),
    UNIQUE (site_id, starts_at)
);

CREATE TABLE bookings (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot_id         bigint NOT NULL REFERENCES slots,
    site_id         text NOT NULL REFERENCES sites,
    pass_id         bigint NOT NULL REFERENCES passes,
    persons         integer NOT NULL CHECK (persons >= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at    timestamptz
);
-- a pass books a site once (a cancelled booking frees it)
CREATE UNIQUE INDEX bookings_one_per_site ON bookings (pass_id, site_id) WHERE cancelled_at IS NULL;
CREATE INDEX bookings_slot ON bookings (slot_id) WHERE cancelled_at IS NULL;

-- One-time codes a partner issues to a cyclist in front of them.
CREATE TABLE attestations (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL,
    site_id         text NOT NULL REFERENCES sites,
    account_id      bigint NOT NULL REFERENCES staff_accounts,
    persons         integer NOT NULL CHECK (persons BETWEEN 1 AND 50),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    proof_id        bigint REFERENCES proofs,
    CHECK ((used_at IS NULL) = (proof_id IS NULL))
);
CREATE UNIQUE INDEX attestations_code ON attestations (code);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES staff_accounts,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
