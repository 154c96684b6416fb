-- A bike ride's shape identifies its road, not its recording: two cyclists on
-- one road must both get their pass. Each kept ride also keeps what makes its
-- recording its own (service/proofs/ride_recording.py): the moment it crossed
-- each cell of its shape (keyed hashes, seconds from its start) and its
-- receiver's sideways wobble (decimetres every 5 s; NULL where not measured,
-- the whole array NULL for a sparse track). Rides kept before have neither and
-- are compared by shape alone: a match goes to a person, never a refusal.
ALTER TABLE ride_signatures
    ADD COLUMN mark_cells bigint[],
    ADD COLUMN mark_seconds real[],
    ADD COLUMN wobble smallint[],
    ADD CONSTRAINT ride_signatures_marks_paired
        CHECK (cardinality(mark_cells) = cardinality(mark_seconds));

-- A ride held for a person because an earlier one may be the same recording:
-- the reviewer sees the earlier proof, what became of it, and how alike the two are.
CREATE TABLE similar_rides (
    proof_id           bigint NOT NULL REFERENCES proofs ON DELETE CASCADE,
    earlier_proof_id   bigint NOT NULL REFERENCES proofs ON DELETE CASCADE,
    time_gap_seconds   real,
    wobble_correlation real,
    PRIMARY KEY (proof_id, earlier_proof_id)
);
CREATE INDEX similar_rides_earlier ON similar_rides (earlier_proof_id);
