-- Partner sites from the tourism information system (SIT) that DATAtourisme publishes:
-- what the SIT says of a site, beside what the OT sets (the offer, the rules, staff).
-- A re-import finds its site by `sit_id` (the record's dc:identifier, else its @id).
ALTER TABLE sites
    ADD COLUMN sit_id text UNIQUE CHECK (length(sit_id) BETWEEN 1 AND 200),
    ADD COLUMN sit_uri text CHECK (length(sit_uri) <= 500),
    ADD COLUMN sit_updated date,
    ADD COLUMN kind text CHECK (kind IN ('museum', 'heritage', 'nature', 'leisure', 'activity', 'place')),
    ADD COLUMN name_en text CHECK (length(name_en) <= 120),
    ADD COLUMN name_es text CHECK (length(name_es) <= 120),
    ADD COLUMN street text CHECK (length(street) <= 200),
    ADD COLUMN postcode text CHECK (postcode ~ '^[0-9]{5}$'),
    ADD COLUMN town text CHECK (length(town) <= 120),
    ADD COLUMN insee text CHECK (insee ~ '^[0-9][0-9AB][0-9]{3}$'),
    ADD COLUMN phone text CHECK (length(phone) <= 40),
    ADD COLUMN email text CHECK (length(email) <= 254),
    ADD COLUMN website text CHECK (website ~ '^https?://' AND length(website) <= 500),
    ADD COLUMN description text CHECK (length(description) <= 2000),
    ADD COLUMN description_en text CHECK (length(description_en) <= 2000),
    ADD COLUMN description_es text CHECK (length(description_es) <= 2000),
    -- the openings as service/territory/hours.py reads them; NULL: not known
    ADD COLUMN hours jsonb CHECK (hours IS NULL OR jsonb_typeof(hours) = 'array');
