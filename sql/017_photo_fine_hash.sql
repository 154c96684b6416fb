-- Finer perceptual hashes of each photo: two screenshots of one app share its frame,
-- and so their 64-bit hash, but not their tickets; a crop shares the ticket. `fine`
-- (256 bits) judges the same picture; `cuts` holds the fine hashes of the photo cut
-- on its sides (service/reviews/photos.py), to judge a crop. Photos kept from before
-- have neither, and are compared by the 64-bit hash alone.
ALTER TABLE photo_hashes ADD COLUMN fine bit(256), ADD COLUMN cuts bytea;
