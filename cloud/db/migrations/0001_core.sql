-- Core tables: master data, devices, events, readings, device status history, dead letters.

CREATE TABLE sites (
    id          text PRIMARY KEY,
    name        text,
    gln         char(13),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE locations (
    site_id        text NOT NULL REFERENCES sites (id),
    code           text NOT NULL,
    kind           text CHECK (kind IN ('farm_plot', 'packing_line', 'cold_room', 'warehouse',
                                        'vehicle', 'shop')),
    name           text,
    gln            char(13),
    gln_extension  text,
    PRIMARY KEY (site_id, code)
);

CREATE TABLE devices (
    site_id         text NOT NULL REFERENCES sites (id),
    device_id       text NOT NULL,
    approval        text NOT NULL DEFAULT 'pending'
                    CHECK (approval IN ('pending', 'approved', 'rejected')),
    first_seen      timestamptz NOT NULL DEFAULT now(),
    last_seen       timestamptz,
    last_status     jsonb,
    last_status_at  timestamptz,
    PRIMARY KEY (site_id, device_id)
);
CREATE INDEX devices_pending ON devices (first_seen) WHERE approval = 'pending';

CREATE TABLE products (
    gtin           char(14) PRIMARY KEY,
    name           text NOT NULL,
    product_group  text,
    created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE batches (
    id          bigserial PRIMARY KEY,
    gtin        char(14) NOT NULL,
    lot         text NOT NULL,
    verified    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (gtin, lot)
);

-- Scan / RFID observations. (id, time) is unique: storing an item twice changes nothing.
CREATE TABLE events (
    time         timestamptz NOT NULL,
    id           uuid NOT NULL,
    site_id      text NOT NULL,
    device_id    text NOT NULL,
    seq          bigint NOT NULL,
    clock        text NOT NULL,
    reader       text NOT NULL,
    location     text NOT NULL,
    biz_step     text NOT NULL,
    carrier      text NOT NULL,
    raw          text NOT NULL,
    symbology    text,
    gtin         char(14),
    lot          text,
    serial       text,
    sscc         char(18),
    epc_uri      text,
    identifiers  jsonb,
    rssi         real,
    antenna      integer,
    read_count   integer NOT NULL DEFAULT 1,
    received_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX events_id_time ON events (id, time);
CREATE INDEX events_site_location_time ON events (site_id, location, time);
CREATE INDEX events_batch_time ON events (gtin, lot, time) WHERE gtin IS NOT NULL;
CREATE INDEX events_sscc_time ON events (sscc, time) WHERE sscc IS NOT NULL;
CREATE INDEX events_serial_time ON events (gtin, serial, time) WHERE serial IS NOT NULL;

-- Sensor samples. (id, time) is unique: storing an item twice changes nothing.
CREATE TABLE readings (
    time         timestamptz NOT NULL,
    id           uuid NOT NULL,
    site_id      text NOT NULL,
    device_id    text NOT NULL,
    seq          bigint NOT NULL,
    clock        text NOT NULL,
    sensor       text NOT NULL,
    location     text NOT NULL,
    quantity     text NOT NULL,
    value        double precision NOT NULL,
    unit         text NOT NULL,
    quality      text NOT NULL,
    received_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX readings_id_time ON readings (id, time);
CREATE INDEX readings_site_location_time ON readings (site_id, location, quantity, time);
CREATE INDEX readings_sensor_time ON readings (site_id, device_id, sensor, time);

-- Heartbeats and last wills, as received.
CREATE TABLE device_status (
    time         timestamptz NOT NULL,
    id           uuid NOT NULL,
    site_id      text NOT NULL,
    device_id    text NOT NULL,
    seq          bigint NOT NULL,
    clock        text NOT NULL,
    state        text NOT NULL,
    status       jsonb NOT NULL,
    received_at  timestamptz NOT NULL
);
CREATE UNIQUE INDEX device_status_id_time ON device_status (id, time);
CREATE INDEX device_status_device_time ON device_status (site_id, device_id, time);

-- Whatever could not be stored: the raw bytes, where it came from and why.
CREATE TABLE dead_letters (
    id           bigserial PRIMARY KEY,
    letter_key   bytea NOT NULL UNIQUE,  -- sha256 of topic, index and bytes: a redelivery adds nothing
    received_at  timestamptz NOT NULL DEFAULT now(),
    topic        text NOT NULL,
    payload      bytea NOT NULL,
    reason       text NOT NULL,
    detail       text NOT NULL,
    field        text,
    item_index   integer,
    site_id      text,
    device_id    text,
    replayed_at  timestamptz
);
CREATE INDEX dead_letters_received ON dead_letters (received_at);
CREATE INDEX dead_letters_reason ON dead_letters (reason, received_at);
