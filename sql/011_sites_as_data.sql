-- Partner sites are data the pilot and the OTs edit: the offer in the visitor's
-- three languages (`label` stays the French one), and when a row last changed.
ALTER TABLE offers ADD COLUMN label_en text;
ALTER TABLE offers ADD COLUMN label_es text;
ALTER TABLE sites ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
