-- Alerts with their life cycle, every transition, and the notifications each transition owes.

CREATE TABLE alerts (
    id               bigserial PRIMARY KEY,
    -- Deterministic key computed from the data (e.g. excursion:batch:42:<start>): whichever
    -- process evaluates the same data arrives at the same alert, so several ingesters and
    -- restarts agree.
    alert_key        text NOT NULL UNIQUE,
    kind             text NOT NULL,
    severity         text NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    state            text NOT NULL DEFAULT 'active_unack'
                     CHECK (state IN ('active_unack', 'active_ack', 'cleared')),
    site_id          text,
    location         text,
    sensor           text,
    batch_ids        bigint[] NOT NULL DEFAULT '{}',
    started_at       timestamptz NOT NULL,  -- event time the condition began
    ended_at         timestamptz,           -- event time the condition ended, if it has
    raised_at        timestamptz NOT NULL DEFAULT now(),
    acknowledged_at  timestamptz,
    acknowledged_by  text,
    ack_comment      text,
    cleared_at       timestamptz,
    cleared_by       text,
    clear_comment    text,
    details          jsonb NOT NULL DEFAULT '{}',
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX alerts_open ON alerts (site_id, raised_at) WHERE state <> 'cleared';
CREATE INDEX alerts_kind_time ON alerts (kind, started_at);
CREATE INDEX alerts_batches ON alerts USING gin (batch_ids);

CREATE TABLE alert_transitions (
    id          bigserial PRIMARY KEY,
    alert_id    bigint NOT NULL REFERENCES alerts (id),
    from_state  text,  -- NULL: the alert was raised
    to_state    text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,
    comment     text
);
CREATE INDEX alert_transitions_alert ON alert_transitions (alert_id, at);

CREATE TABLE webhooks (
    id          text PRIMARY KEY,
    url         text NOT NULL,
    secret_env  text,  -- name of the environment variable holding the signing secret
    kinds       text[],  -- NULL: every kind
    active      boolean NOT NULL DEFAULT true
);

-- Transactional outbox of notifications: one row per transition and channel, written in the
-- transaction that makes the transition; a notifier delivers and marks them.
CREATE TABLE notifications (
    id               bigserial PRIMARY KEY,
    transition_id    bigint NOT NULL REFERENCES alert_transitions (id),
    channel          text NOT NULL,  -- 'mqtt' or 'webhook:<id>'
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    sent_at          timestamptz,
    UNIQUE (transition_id, channel)
);
CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE state = 'pending';
