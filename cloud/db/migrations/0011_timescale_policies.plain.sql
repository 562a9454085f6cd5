-- Plain PostgreSQL only: `readings_5m` as an ordinary view with the same columns as the
-- TimescaleDB continuous aggregate of the .timescale.sql variant, so that the same queries
-- work on both. It is computed at query time: bound it by site, location and quantity (the
-- index readings_site_location_time serves that). No compression or retention here.
CREATE VIEW readings_5m AS
SELECT date_bin(INTERVAL '5 minutes', time, TIMESTAMPTZ '2000-01-03 00:00:00+00') AS bucket,
       site_id,
       location,
       quantity,
       count(*) AS samples,
       min(value) AS min_value,
       max(value) AS max_value,
       avg(value) AS avg_value
FROM readings
WHERE quality = 'good'
GROUP BY 1, site_id, location, quantity;
