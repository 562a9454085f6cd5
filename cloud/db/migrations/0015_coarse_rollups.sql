-- Coarser rollups of readings: 15-minute, hourly, six-hour and daily cells, each the
-- combination of the five-minute cells (reading_rollups) inside it, kept in the transaction
-- that refreshes those. A month-long stay's summary then reads ~720 hourly rows instead of
-- ~8,600 five-minute ones, and a series of N buckets reads between N and 6·N cells of the
-- coarsest level that still has N cells over the batch's life.
-- Every level is on the same grid as reading_rollups (origin 2000-01-03 00:00 UTC, a Monday
-- at midnight), so a coarse cell holds whole five-minute cells and lines up with the others.
CREATE TABLE reading_rollups_coarse (
    site_id        text NOT NULL,
    location       text NOT NULL,
    quantity       text NOT NULL,
    width_s        integer NOT NULL CHECK (width_s IN (900, 3600, 21600, 86400)),
    bucket         timestamptz NOT NULL,
    samples        integer NOT NULL CHECK (samples > 0),
    first_time     timestamptz NOT NULL,
    last_time      timestamptz NOT NULL,
    min_value      double precision NOT NULL,
    max_value      double precision NOT NULL,
    sum_value      double precision NOT NULL,
    sum_arrhenius  double precision NOT NULL,
    PRIMARY KEY (site_id, location, quantity, width_s, bucket)
        INCLUDE (samples, first_time, last_time, min_value, max_value, sum_value, sum_arrhenius)
);

-- Cells of the readings stored before this migration.
INSERT INTO reading_rollups_coarse
SELECT r.site_id, r.location, r.quantity, w.width_s,
       date_bin(make_interval(secs => w.width_s), r.bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00'),
       sum(r.samples), min(r.first_time), max(r.last_time), min(r.min_value),
       max(r.max_value), sum(r.sum_value), sum(r.sum_arrhenius)
FROM reading_rollups r CROSS JOIN (VALUES (900), (3600), (21600), (86400)) AS w (width_s)
GROUP BY 1, 2, 3, 4, 5;
