-- What recognises a proof sent again in another form, kept for the reuse window
-- (`[privacy] reuse_window_days`, purged by `tbc purge`) and with its proof:
-- a bike ride's shape as keyed hashes of the ~500 m cells it crosses (never a
-- position), and a review photo's 64-bit perceptual hash.
CREATE TABLE ride_signatures (
    proof_id    bigint PRIMARY KEY REFERENCES proofs ON DELETE CASCADE,
    cells       bigint[] NOT NULL CHECK (cardinality(cells) > 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ride_signatures_cells ON ride_signatures USING gin (cells);
CREATE INDEX ride_signatures_created ON ride_signatures (created_at);

CREATE TABLE photo_hashes (
    proof_id    bigint PRIMARY KEY REFERENCES proofs ON DELETE CASCADE,
    phash       bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX photo_hashes_created ON photo_hashes (created_at);
