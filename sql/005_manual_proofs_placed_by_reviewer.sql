-- A manual proof may arrive as a photo alone (the contract asks for nothing
-- else): its travel date and place are then set by the reviewer who approves
-- it. Only a pending or rejected proof may lack a date.
ALTER TABLE proofs ALTER COLUMN arrival_date DROP NOT NULL;
ALTER TABLE proofs ADD CONSTRAINT proofs_accepted_have_a_date CHECK (status <> 'accepted' OR arrival_date IS NOT NULL);
