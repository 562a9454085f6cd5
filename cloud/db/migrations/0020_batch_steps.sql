-- A batch's life grouped into steps: per business step at one place, how many scans, serials
-- and logistic units, first and last time, and the readers that scanned. Derived from the
-- events that name the batch (its own, its commissioned serials', its units' from packing on)
-- by the derive worker (work kind `batch_steps`), re-derived whole when they change, so a
-- timeline of 100,000 scans reads a handful of rows.
CREATE TABLE batch_steps (
    batch_id    bigint NOT NULL REFERENCES batches (id),
    biz_step    text NOT NULL,
    site_id     text NOT NULL,
    location    text NOT NULL,
    scans       bigint NOT NULL CHECK (scans > 0),
    serials     bigint NOT NULL,  -- distinct serials scanned (serialised units)
    units       bigint NOT NULL,  -- distinct logistic units (SSCC) it was scanned in
    first_time  timestamptz NOT NULL,
    last_time   timestamptz NOT NULL,
    readers     text[] NOT NULL,  -- device/reader
    PRIMARY KEY (batch_id, biz_step, site_id, location)
);

-- Batches scanned before this migration get their steps on the next derive pass.
INSERT INTO work_queue (kind, key)
SELECT 'batch_steps', id::text FROM batches
ON CONFLICT DO NOTHING;
