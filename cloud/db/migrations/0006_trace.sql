-- Traceability: location coordinates, serialised products, batch inputs (transformations), the
-- per-site hash chain over stored events, and indexes for timelines and recall.

ALTER TABLE locations
    ADD COLUMN latitude   double precision CHECK (latitude BETWEEN -90 AND 90),
    ADD COLUMN longitude  double precision CHECK (longitude BETWEEN -180 AND 180);

-- A serialised product's items must be commissioned before they are scanned.
ALTER TABLE products ADD COLUMN serialised boolean NOT NULL DEFAULT false;

-- What a batch was made from (one step back): from master data today, from EPCIS
-- transformation events later.
CREATE TABLE batch_inputs (
    batch_id        bigint NOT NULL REFERENCES batches (id),
    input_batch_id  bigint NOT NULL REFERENCES batches (id),
    source          text NOT NULL DEFAULT 'import',
    PRIMARY KEY (batch_id, input_batch_id),
    CHECK (batch_id <> input_batch_id)
);
CREATE INDEX batch_inputs_input ON batch_inputs (input_batch_id);

-- Tamper evidence: each site's stored events, chained in the order the chain worker appended
-- them (commit/arrival order, never event time: a late event appends, it does not rewrite).
-- hash = sha256(prev_hash || canonical bytes of the event); the first link's prev_hash is 32
-- zero bytes.
CREATE TABLE event_chain (
    site_id     text NOT NULL,
    position    bigint NOT NULL,
    event_id    uuid NOT NULL,
    event_time  timestamptz NOT NULL,
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL,
    chained_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (site_id, position)
);
CREATE UNIQUE INDEX event_chain_event ON event_chain (event_id, event_time);
CREATE INDEX events_site_received ON events (site_id, received_at);

-- The units a batch went into, in order.
CREATE INDEX unit_contents_sscc_packed ON unit_contents (sscc, packed_at);

-- Timelines summarise a batch's readings per stay: the location index carries the values, so
-- those queries are index-only scans (same key as before, a wider leaf).
DROP INDEX readings_site_location_time;
CREATE INDEX readings_site_location_time ON readings (site_id, location, quantity, time)
    INCLUDE (value, quality, id);
