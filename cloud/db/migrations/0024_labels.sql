-- Labels: serial numbers allocated when serialised labels are printed (one counter per GTIN),
-- the print jobs, and the public checks of serialised codes (counterfeit signals).

-- The next serial of each GTIN's sequence. A print job takes this row's lock for the short
-- transaction that reserves and commissions its serials: concurrent jobs queue here, a job
-- that fails rolls its reservation back (no gaps), and a serial is commissioned once (no reuse).
CREATE TABLE serial_counters (
    gtin         char(14) PRIMARY KEY,
    next_serial  bigint NOT NULL CHECK (next_serial >= 1)
);

CREATE TABLE label_jobs (
    id            bigserial PRIMARY KEY,
    batch_id      bigint NOT NULL REFERENCES batches (id),
    symbology     text NOT NULL,
    count         integer NOT NULL CHECK (count > 0),
    first_serial  text NOT NULL,
    last_serial   text NOT NULL,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX label_jobs_batch ON label_jobs (batch_id, id);

-- The print job that allocated a serial (NULL: commissioned from a CSV file or EPCIS).
ALTER TABLE commissioned_items ADD COLUMN label_job bigint REFERENCES label_jobs (id);
CREATE INDEX commissioned_items_label_job ON commissioned_items (label_job)
    WHERE label_job IS NOT NULL;

-- Checks of a serialised code on the public consumer page: counts and times only, nothing
-- about who checked. `window_checks` counts the checks since `window_start` (a window opens
-- at the first check after the previous one closed).
CREATE TABLE public_checks (
    gtin           char(14) NOT NULL,
    serial         text NOT NULL,
    batch_id       bigint NOT NULL REFERENCES batches (id),
    site_id        text,
    commissioned   boolean NOT NULL,
    checks         bigint NOT NULL,
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    window_start   timestamptz NOT NULL,
    window_checks  integer NOT NULL,
    PRIMARY KEY (gtin, serial, batch_id)
);
CREATE INDEX public_checks_site_gtin ON public_checks (site_id, gtin, last_at);

-- The province a consumer chose to share for a check (only with their consent).
CREATE TABLE public_check_places (
    gtin      char(14) NOT NULL,
    serial    text NOT NULL,
    batch_id  bigint NOT NULL,
    province  text NOT NULL,
    checks    integer NOT NULL,
    first_at  timestamptz NOT NULL,
    last_at   timestamptz NOT NULL,
    PRIMARY KEY (gtin, serial, batch_id, province),
    FOREIGN KEY (gtin, serial, batch_id) REFERENCES public_checks (gtin, serial, batch_id)
);
