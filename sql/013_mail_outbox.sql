-- Messages to visitors (their pass, a review's outcome), queued in the transaction
-- that makes them true and sent by a task after the response (service/mail/). The
-- address is not copied here: it is read from the pass or the proof when sending,
-- so `tbc purge` forgetting it there forgets it for the outbox too.
CREATE TABLE mail_outbox (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('pass_issued', 'review_decided')),
    pass_id         bigint REFERENCES passes ON DELETE CASCADE,
    proof_id        bigint REFERENCES proofs ON DELETE CASCADE,
    lang            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    sent_at         timestamptz,
    last_error      text,
    CHECK (pass_id IS NOT NULL OR proof_id IS NOT NULL)
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
