-- The full price per person the SIT states for a site (DATAtourisme's offers), beside the
-- offer's own prices the OT sets: the site's figures estimate its discount from the offer's
-- full price, else this one, and the offer's reduced price.
ALTER TABLE sites ADD COLUMN sit_price_eur numeric(8, 2) CHECK (sit_price_eur >= 0);
