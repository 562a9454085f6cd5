-- EPCIS 2.0 events captured from partners (POST /epcis/capture): each capture keeps the
-- original document text; each event keeps its JSON, the fields queries filter on, and the
-- canonical keys of what it names (see cloud/epcis/identifiers.py) for MATCH_epc/epcClass.

CREATE TABLE epcis_captures (
    id           uuid PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    document_id  text,           -- the document's own id, if it has one
    sender       text,
    context      jsonb NOT NULL,  -- the document's @context (events may use its prefixes)
    document     text NOT NULL,   -- the document as received
    event_count  integer NOT NULL
);

CREATE TABLE epcis_events (
    id            bigserial PRIMARY KEY,
    capture_id    uuid NOT NULL REFERENCES epcis_captures (id),
    position      integer NOT NULL,       -- index in the document's event list
    event_id      text,                   -- EPCIS eventID, as given
    event_hash    bytea NOT NULL,         -- sha256 of the event's canonical JSON
    event_type    text NOT NULL,
    event_time    timestamptz NOT NULL,
    record_time   timestamptz NOT NULL DEFAULT now(),
    action        text,
    biz_step      text,                   -- a standard value as its bare CBV word
    disposition   text,
    read_point    text,
    biz_location  text,
    epc_keys      text[] NOT NULL DEFAULT '{}',  -- instances: epcList, parentID, childEPCs, …
    class_keys    text[] NOT NULL DEFAULT '{}',  -- classes: quantityList, childQuantityList, …
    event         jsonb NOT NULL,
    UNIQUE (capture_id, position)
);
-- A resent event (the same JSON) is stored once. Events that only share an eventID are kept
-- apart: an error declaration repeats the eventID of the event it corrects.
CREATE UNIQUE INDEX epcis_events_hash ON epcis_events (event_hash);
CREATE INDEX epcis_events_event_id ON epcis_events (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX epcis_events_time ON epcis_events (event_time, id);
CREATE INDEX epcis_events_epc_keys ON epcis_events USING gin (epc_keys);
CREATE INDEX epcis_events_class_keys ON epcis_events USING gin (class_keys);

-- Which of our batches a captured event names (by LGTIN, by an SGTIN commissioned into the
-- batch, or by an SSCC the batch was packed into).
CREATE TABLE epcis_event_batches (
    epcis_event  bigint NOT NULL REFERENCES epcis_events (id),
    batch_id     bigint NOT NULL REFERENCES batches (id),
    PRIMARY KEY (epcis_event, batch_id)
);
CREATE INDEX epcis_event_batches_batch ON epcis_event_batches (batch_id);
