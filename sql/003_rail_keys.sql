-- The UIC public key list that verifies the signatures of rail ticket barcodes
-- (UIC 918.3 / 918.9), imported by `tbc import-uic-keys PATH.xml`, which
-- replaces the whole list in one transaction. Codes are normalised: leading
-- zeros dropped, letters upper-cased ("0080"/"80" -> "80", "00001" -> "1").
CREATE TABLE uic_public_keys (
    issuer_code             text NOT NULL CHECK (issuer_code ~ '^[0-9A-Z]{1,10}$'),
    key_id                  text NOT NULL CHECK (key_id ~ '^[0-9A-Z]{1,10}$'),
    issuer_name             text,
    signature_algorithm     text,
    -- SubjectPublicKeyInfo, DER (DSA or EC)
    public_key              bytea NOT NULL CHECK (length(public_key) BETWEEN 32 AND 4096),
    barcode_version         integer,
    valid_from              date,
    valid_until             date,
    allowed_product_owners  integer[] NOT NULL DEFAULT '{}',
    imported_at             timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer_code, key_id)
);
