-- Cold chain: location profiles, excursions found by event time, and the probes seen (for
-- silence), all derived from readings and presence by the derive worker.

-- A location may have a profile of its own (a cold room kept at 2–8 °C whatever is inside).
ALTER TABLE locations ADD COLUMN profile_id text REFERENCES cold_chain_profiles (id);

-- Spans in which readings left a profile's range: of a batch (clipped to its stays), or of a
-- location with a profile (batch_id NULL). Replaced from a point in time on re-evaluation.
CREATE TABLE excursions (
    id          bigserial PRIMARY KEY,
    batch_id    bigint REFERENCES batches (id),
    site_id     text NOT NULL,
    location    text NOT NULL,
    quantity    text NOT NULL,
    profile_id  text NOT NULL REFERENCES cold_chain_profiles (id),
    direction   text NOT NULL CHECK (direction IN ('high', 'low')),
    start_time  timestamptz NOT NULL,
    end_time    timestamptz,            -- NULL: still going on
    last_time   timestamptz NOT NULL,   -- newest reading (or the stay's end) within it
    peak        double precision NOT NULL,
    alert_key   text,                   -- the alert it raised, if it lasted long enough
    CHECK (end_time IS NULL OR end_time >= start_time)
);
CREATE INDEX excursions_batch ON excursions (batch_id, start_time) WHERE batch_id IS NOT NULL;
CREATE INDEX excursions_location ON excursions (site_id, location, quantity, start_time)
    WHERE batch_id IS NULL;

-- Every probe (device + sensor) that ever sent a reading, with its newest reading's event time.
CREATE TABLE probes (
    site_id    text NOT NULL,
    device_id  text NOT NULL,
    sensor     text NOT NULL,
    location   text NOT NULL,
    last_time  timestamptz NOT NULL,
    PRIMARY KEY (site_id, device_id, sensor)
);
CREATE INDEX probes_location ON probes (site_id, location);
