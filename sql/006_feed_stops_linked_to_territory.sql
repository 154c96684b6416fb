-- A stop imported from a timetable may be a place the territory already knows
-- under another id (same UIC code, or a few metres away): `same_as` names the
-- territory's stop. The place is listed once, under the territory's id; claims
-- may name either id.
ALTER TABLE stops ADD COLUMN same_as text REFERENCES stops ON DELETE SET NULL CHECK (same_as <> id);
CREATE INDEX stops_same_as ON stops (same_as) WHERE same_as IS NOT NULL;
