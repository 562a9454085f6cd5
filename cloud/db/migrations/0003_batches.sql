-- Master data for traceability (profiles, product groups, products, batches, serials) and the
-- derived presence of batches and logistic units at locations.

CREATE TABLE cold_chain_profiles (
    id                      text PRIMARY KEY,
    name                    text NOT NULL,
    quantity                text NOT NULL DEFAULT 'temperature',
    min_value               double precision,
    max_value               double precision,
    single_excursion_s      integer NOT NULL DEFAULT 0 CHECK (single_excursion_s >= 0),
    cumulative_excursion_s  integer CHECK (cumulative_excursion_s >= 0),
    hysteresis              double precision NOT NULL DEFAULT 0.5 CHECK (hysteresis >= 0),
    mkt_max                 double precision,
    silent_after_s          integer NOT NULL DEFAULT 900 CHECK (silent_after_s > 0),
    CHECK (min_value IS NOT NULL OR max_value IS NOT NULL),
    CHECK (min_value IS NULL OR max_value IS NULL OR min_value < max_value)
);

CREATE TABLE product_groups (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    profile_id  text REFERENCES cold_chain_profiles (id)
);

ALTER TABLE products
    ADD COLUMN ocop_stars        smallint CHECK (ocop_stars BETWEEN 1 AND 5),
    ADD COLUMN producer_name     text,
    ADD COLUMN producer_address  text,
    ADD COLUMN producer_gln      char(13),
    ADD COLUMN image_url         text,
    ADD COLUMN net_content       text,
    ADD COLUMN standards         text,
    ADD COLUMN shelf_life_days   integer CHECK (shelf_life_days > 0),
    ADD COLUMN profile_id        text REFERENCES cold_chain_profiles (id),
    ADD COLUMN updated_at        timestamptz NOT NULL DEFAULT now();

ALTER TABLE batches
    ADD COLUMN production_date  date,
    ADD COLUMN pack_date        date,
    ADD COLUMN expiry_date      date,
    ADD COLUMN origin_code      text,  -- farm plot or growing-area code (portal: VUNG_TRONG)
    ADD COLUMN site_id          text,  -- the producing site, when known
    ADD COLUMN quantity         numeric CHECK (quantity >= 0),
    ADD COLUMN unit             text,
    ADD COLUMN source           text NOT NULL DEFAULT 'import'
                                CHECK (source IN ('import', 'scan', 'api', 'epcis')),
    ADD COLUMN first_seen       timestamptz,
    ADD COLUMN updated_at       timestamptz NOT NULL DEFAULT now();
CREATE INDEX batches_lot ON batches (lot);
CREATE INDEX batches_unverified ON batches (created_at) WHERE NOT verified;

-- Serialised items (SGTIN) and the batch they were made in.
CREATE TABLE commissioned_items (
    gtin             char(14) NOT NULL,
    serial           text NOT NULL,
    batch_id         bigint NOT NULL REFERENCES batches (id),
    commissioned_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (gtin, serial)
);
CREATE INDEX commissioned_items_batch ON commissioned_items (batch_id);

-- Logistic units (SSCC) and what was packed into them, derived from scan events.
CREATE TABLE unit_contents (
    sscc         char(18) NOT NULL,
    batch_id     bigint NOT NULL REFERENCES batches (id),
    packed_at    timestamptz NOT NULL,
    pack_event   uuid NOT NULL,
    site_id      text NOT NULL,
    PRIMARY KEY (sscc, batch_id)
);
CREATE INDEX unit_contents_batch ON unit_contents (batch_id);

-- Where a batch or a logistic unit was, and when: derived from events, re-derived when a
-- late event arrives. end_time NULL = still there.
CREATE TABLE presence (
    id           bigserial PRIMARY KEY,
    batch_id     bigint REFERENCES batches (id),
    sscc         char(18),
    site_id      text NOT NULL,
    location     text NOT NULL,
    start_time   timestamptz NOT NULL,
    end_time     timestamptz,
    open_event   uuid NOT NULL,
    close_event  uuid,
    CHECK ((batch_id IS NULL) <> (sscc IS NULL)),
    CHECK (end_time IS NULL OR end_time >= start_time)
);
CREATE INDEX presence_batch ON presence (batch_id, start_time) WHERE batch_id IS NOT NULL;
CREATE INDEX presence_sscc ON presence (sscc, start_time) WHERE sscc IS NOT NULL;
CREATE INDEX presence_location_time ON presence (site_id, location, start_time);

-- Every stay of a batch at a location: its own, and those of the units it was packed into
-- (from the time it was packed).
CREATE VIEW batch_presence AS
SELECT p.batch_id, p.site_id, p.location, p.start_time, p.end_time, NULL::char(18) AS via_sscc
  FROM presence p
 WHERE p.batch_id IS NOT NULL
UNION ALL
SELECT c.batch_id, p.site_id, p.location, greatest(p.start_time, c.packed_at), p.end_time, c.sscc
  FROM unit_contents c
  JOIN presence p ON p.sscc = c.sscc
 WHERE p.end_time IS NULL OR p.end_time > c.packed_at;

-- Derived work to do after data lands (presence, packing, cold chain, ...): one row per key,
-- merged while it waits, claimed with FOR UPDATE SKIP LOCKED so that any number of workers
-- share it and each key is worked by one at a time.
CREATE TABLE work_queue (
    kind         text NOT NULL,
    key          text NOT NULL,
    from_time    timestamptz,
    to_time      timestamptz,
    enqueued_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    not_before   timestamptz NOT NULL DEFAULT '-infinity',
    PRIMARY KEY (kind, key)
);
CREATE INDEX work_queue_due ON work_queue (not_before, enqueued_at);
