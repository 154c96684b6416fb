-- Manual proofs are followed by the visitor through an unguessable id, not the row id.
ALTER TABLE proofs ADD COLUMN public_id uuid NOT NULL DEFAULT gen_random_uuid();
CREATE UNIQUE INDEX proofs_public_id ON proofs (public_id);
-- The visitor's language and e-mail wait with a proof under review, for the pass it will give.
ALTER TABLE proofs ADD COLUMN lang text NOT NULL DEFAULT 'fr' CHECK (lang IN ('fr', 'en', 'es'));
ALTER TABLE proofs ADD COLUMN email text;

-- Fixed-window counters shared by every process (claims per client, sign-in attempts).
CREATE UNLOGGED TABLE rate_limits (
    bucket          text NOT NULL,
    window_start    timestamptz NOT NULL,
    hits            integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
