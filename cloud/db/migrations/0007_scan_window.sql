-- RFID observations collapse repeated reads of a tag: keep when it was first and last seen.
ALTER TABLE events
    ADD COLUMN first_seen timestamptz,
    ADD COLUMN last_seen  timestamptz;
