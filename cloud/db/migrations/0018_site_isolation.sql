-- Sites never see each other's data (issue 15).
-- An EPCIS capture records who sent it and for which site; each captured event says whether
-- the site asserts it itself (at one of its locations, or about its own batches) or passes on
-- what a partner asserts. Captures stored before this migration were sent by nobody known:
-- their events count as a partner's.
ALTER TABLE epcis_captures
    ADD COLUMN site_id      text REFERENCES sites (id),
    ADD COLUMN captured_by  text;
ALTER TABLE epcis_events
    ADD COLUMN site_id      text,
    ADD COLUMN asserted_by  text NOT NULL DEFAULT 'partner'
                            CHECK (asserted_by IN ('site', 'partner'));
ALTER TABLE epcis_events ALTER COLUMN asserted_by DROP DEFAULT;
CREATE INDEX epcis_events_site_time ON epcis_events (site_id, event_time, id);

-- Failed logins, per account and per address, for throttling (every API process sees them).
CREATE TABLE login_failures (
    id         bigserial PRIMARY KEY,
    username   text NOT NULL,
    address    text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username ON login_failures (username, failed_at);
CREATE INDEX login_failures_address ON login_failures (address, failed_at);
