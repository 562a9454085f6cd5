-- Quarantine: what a device sends while it is pending approval is stored here, apart from the
-- events and readings every answer reads, with the derived work and forwarding it calls for.
-- Approval moves it all in (events, readings, work_queue, forward_outbox) in the approval's
-- transaction; rejection keeps the items as evidence (rejected_at set) and drops the rest.
-- The item tables have the columns of events and readings (a test keeps them equal) plus
-- rejected_at: a migration that changes events or readings changes these too.

CREATE TABLE quarantine_events (LIKE events INCLUDING DEFAULTS, rejected_at timestamptz);
CREATE UNIQUE INDEX quarantine_events_id_time ON quarantine_events (id, time);
CREATE INDEX quarantine_events_device ON quarantine_events (site_id, device_id, time);

CREATE TABLE quarantine_readings (LIKE readings INCLUDING DEFAULTS, rejected_at timestamptz);
CREATE UNIQUE INDEX quarantine_readings_id_time ON quarantine_readings (id, time);
CREATE INDEX quarantine_readings_device ON quarantine_readings (site_id, device_id, time);

-- The derived work the held items call for, merged per device like the work queue itself.
CREATE TABLE quarantine_work (
    site_id    text NOT NULL,
    device_id  text NOT NULL,
    kind       text NOT NULL,
    key        text NOT NULL,
    from_time  timestamptz,
    to_time    timestamptz,
    PRIMARY KEY (site_id, device_id, kind, key)
);

-- What the held events would have queued for forwarding (for every destination active when
-- they are released).
CREATE TABLE quarantine_outbox (
    site_id    text NOT NULL,
    device_id  text NOT NULL,
    kind       text NOT NULL,
    key        text NOT NULL,
    payload    jsonb NOT NULL,
    PRIMARY KEY (site_id, device_id, kind, key)
);
