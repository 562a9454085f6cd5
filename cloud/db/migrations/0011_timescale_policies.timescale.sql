-- TimescaleDB only (the .plain.sql variant gives plain PostgreSQL the same relation names).
-- Compression of old chunks, retention of raw readings and device status, and `readings_5m`:
-- a continuous aggregate (5-minute min/max/avg per site, location and quantity) for charts.
--
-- CI and the development machines run plain PostgreSQL, so this file is not executed there.
-- It was checked by hand on TimescaleDB 2.28.3 (Community build) with PostgreSQL 15: the
-- policies below as jobs, readings_5m equal to the raw buckets, late readings stored into
-- compressed chunks with duplicates still refused, and tests/cloud passing. by_range in 0002
-- needs 2.13+. max_worker_processes must leave room for the policy jobs (about
-- timescaledb.max_background_workers + max_parallel_workers + a few; timescaledb-tune in the
-- official image sets it): with PostgreSQL's default of 8, jobs "fail to start a background
-- worker".
-- Compression and continuous aggregates are Community-licensed features: the official
-- timescale/timescaledb images have them; an Apache-only build stops here with a clear message.
--
-- The ages are read from settings when this migration runs (defaults in brackets):
--   txng.readings_compress_after  [7 days]    compress readings/device_status chunks older than
--   txng.readings_drop_after      [730 days]  drop raw readings older than (readings_5m stays)
--   txng.status_drop_after        [90 days]   drop device status history older than
-- e.g. `PGOPTIONS='-c txng.readings_drop_after=365d' txng db migrate`, or
-- `ALTER DATABASE txng SET txng.readings_drop_after = '365 days'` before the first migrate.
-- Afterwards change a policy with remove_*_policy + add_*_policy (see README, "Deploying").

DO $$
BEGIN
    IF current_setting('timescaledb.license', true) = 'apache' THEN
        RAISE EXCEPTION 'txng needs TimescaleDB Community features; this is the Apache-only build'
            USING DETAIL = 'compression and continuous aggregates are Community-licensed',
                  HINT = 'set timescaledb.license = ''timescale'' or use the official image';
    END IF;
END
$$;

-- Readings: one segment per series (site, location, quantity, device, sensor), rows in time
-- order inside it. `id` joins the order so that the unique index (id, time) can be checked
-- against a compressed batch's min/max metadata (late duplicates still change nothing; without
-- it TimescaleDB warns that `id` "should be used for segmenting or ordering").
ALTER TABLE readings SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'site_id, location, quantity, device_id, sensor',
    timescaledb.compress_orderby = 'time DESC, id'
);
ALTER TABLE device_status SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'site_id, device_id',
    timescaledb.compress_orderby = 'time DESC, id'
);
-- Events stay uncompressed: recalls look them up by GTIN+lot, SSCC and serial over all of
-- history through B-tree indexes that a compressed chunk does not have; they are ~1 % of rows.

SELECT add_compression_policy(
    'readings',
    compress_after => coalesce(
        nullif(current_setting('txng.readings_compress_after', true), ''), '7 days'
    )::interval,
    if_not_exists => true
);
SELECT add_compression_policy(
    'device_status',
    compress_after => coalesce(
        nullif(current_setting('txng.readings_compress_after', true), ''), '7 days'
    )::interval,
    if_not_exists => true
);

SELECT add_retention_policy(
    'readings',
    drop_after => coalesce(
        nullif(current_setting('txng.readings_drop_after', true), ''), '730 days'
    )::interval,
    if_not_exists => true
);
SELECT add_retention_policy(
    'device_status',
    drop_after => coalesce(
        nullif(current_setting('txng.status_drop_after', true), ''), '90 days'
    )::interval,
    if_not_exists => true
);

-- Charts over the whole history. Real-time (materialized_only = false): buckets not yet
-- materialized are computed from raw readings at query time, so a chart is never behind.
-- WITH NO DATA: a continuous aggregate WITH DATA cannot be created inside a transaction, and
-- `txng db migrate` applies migrations in one; the policy below materializes it.
CREATE MATERIALIZED VIEW readings_5m
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT time_bucket(INTERVAL '5 minutes', time) AS bucket,
       site_id,
       location,
       quantity,
       count(*) AS samples,
       min(value) AS min_value,
       max(value) AS max_value,
       avg(value) AS avg_value
FROM readings
WHERE quality = 'good'
GROUP BY time_bucket(INTERVAL '5 minutes', time), site_id, location, quantity
WITH NO DATA;

-- Refresh every 5 minutes over the last 35 days: readings that arrive late (a device offline
-- for weeks) still land in their buckets. The window must stay well inside the retention age,
-- or a refresh after a drop would empty buckets whose raw readings are gone. (Checked: so does
-- a manual refresh_continuous_aggregate over a dropped range: give it a recent window.)
SELECT add_continuous_aggregate_policy(
    'readings_5m',
    start_offset => INTERVAL '35 days',
    end_offset => INTERVAL '10 minutes',
    schedule_interval => INTERVAL '5 minutes',
    if_not_exists => true
);
CREATE INDEX readings_5m_series ON readings_5m (site_id, location, quantity, bucket);
