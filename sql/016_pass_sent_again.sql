-- « I already have a pass »: a visitor who gave an e-mail address may have the pass
-- sent to it again. Passes are found by that address, as typed in any case, and the
-- message says it was asked for (kind 'pass_sent_again').
CREATE INDEX passes_email ON passes (lower(email)) WHERE email IS NOT NULL;

ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_kind_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_kind_check
    CHECK (kind IN ('pass_issued', 'review_decided', 'pass_sent_again'));
