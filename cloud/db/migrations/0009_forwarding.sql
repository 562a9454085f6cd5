-- Forwarding to the national portal and EPCIS repositories: destinations, the transactional
-- outbox, far-side objects shared by many items (product, production order, chain), and a
-- record of every submission.

-- Where data goes. Ingest queues one outbox row per active destination, in its transaction.
CREATE TABLE forward_destinations (
    name        text PRIMARY KEY,
    adapter     text NOT NULL,  -- 'portal', 'epcis', ...
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per thing to deliver to one destination. (destination, kind, key) is unique: queuing
-- the same data twice changes nothing, and key is the client reference on the far side.
CREATE TABLE forward_outbox (
    id               bigserial PRIMARY KEY,
    destination      text NOT NULL REFERENCES forward_destinations (name),
    kind             text NOT NULL,           -- 'event', ...
    key              text NOT NULL,           -- idempotency key / client reference
    payload          jsonb NOT NULL,          -- the reference to our data, and what ingest knew
    state            text NOT NULL DEFAULT 'pending'
                     CHECK (state IN ('pending', 'sent', 'parked', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT '-infinity',
    remote           jsonb NOT NULL DEFAULT '{}',  -- far-side ids (kept across attempts)
    last_error       text,
    missing_field    text,                    -- parked because our data lacks this field
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (destination, kind, key)
);
CREATE INDEX forward_outbox_due ON forward_outbox (destination, id) WHERE state = 'pending';
CREATE INDEX forward_outbox_parked ON forward_outbox (destination, created_at)
    WHERE state = 'parked';

-- Far-side records that many items share (a registered product, a batch's production order
-- and chain): created once, their ids kept here.
CREATE TABLE forward_remote_objects (
    destination  text NOT NULL REFERENCES forward_destinations (name),
    kind         text NOT NULL,  -- 'product', 'order', 'chain'
    key          text NOT NULL,
    remote       jsonb NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (destination, kind, key)
);

-- Every request made to a far side and its answer.
CREATE TABLE forward_submissions (
    id                bigserial PRIMARY KEY,
    destination       text NOT NULL,
    started_at        timestamptz NOT NULL,
    method            text NOT NULL,
    url               text NOT NULL,
    status            integer,  -- NULL: no answer (see error)
    duration_ms       real NOT NULL,
    request_excerpt   text NOT NULL DEFAULT '',
    response_excerpt  text NOT NULL DEFAULT '',
    error             text,
    item_ids          bigint[] NOT NULL DEFAULT '{}'
);
CREATE INDEX forward_submissions_time ON forward_submissions (destination, started_at);
CREATE INDEX forward_submissions_items ON forward_submissions USING gin (item_ids);
