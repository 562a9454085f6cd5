-- Five-minute rollups of readings per site, location and quantity, kept by the derive worker
-- as readings land (late ones too: the cold-chain work of a location carries its time range).
-- Every column composes: a stay's or a chart bucket's count, min, max, mean and MKT are the
-- combination of the whole cells inside it plus the raw readings of its two partial edge
-- cells, so summaries stay exact while reading a few hundred rows instead of ~40,000.
-- Cells are date_bin('5 minutes', time, '2000-01-03 00:00:00+00') (the UTC five-minute grid,
-- as readings_5m) and hold the readings that are not `suspect` (as the cold chain counts them).
-- A plain table on both PostgreSQL and TimescaleDB: it outlives the retention of raw readings.
CREATE TABLE reading_rollups (
    site_id        text NOT NULL,
    location       text NOT NULL,
    quantity       text NOT NULL,
    bucket         timestamptz NOT NULL,
    samples        integer NOT NULL CHECK (samples > 0),
    first_time     timestamptz NOT NULL,
    last_time      timestamptz NOT NULL,
    min_value      double precision NOT NULL,
    max_value      double precision NOT NULL,
    sum_value      double precision NOT NULL,
    sum_arrhenius  double precision NOT NULL,  -- Σ exp(-ΔH/(R·T)), ΔH/R = 10,000 K (MKT)
    -- Covering: a stay's cells are one index-only range scan, however the heap interleaves
    -- the cells of many locations written at the same time.
    PRIMARY KEY (site_id, location, quantity, bucket)
        INCLUDE (samples, first_time, last_time, min_value, max_value, sum_value, sum_arrhenius)
);

-- Readings stored before this migration.
INSERT INTO reading_rollups
SELECT site_id, location, quantity,
       date_bin(INTERVAL '5 minutes', time, TIMESTAMPTZ '2000-01-03 00:00:00+00'),
       count(*), min(time), max(time), min(value), max(value), sum(value),
       sum(exp(-10000.0 / (value + 273.15)))
FROM readings
WHERE quality <> 'suspect'
GROUP BY 1, 2, 3, 4;
