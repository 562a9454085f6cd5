-- Each coarse rollup cell carries its series point: the JSON object the timeline sends for a
-- bucket that is this one whole cell (first and last reading time, count, min, max, mean),
-- as the timeline's query writes a bucket it computes (cloud/db/json_sql.py). A series has
-- one bucket per cell of its level, so the timeline reads most of its points as text instead
-- of writing two times and four numbers per point on every request. The derive worker
-- writes it with the cell (cloud/db/rollups_store.py). Covering: a series reads a range of
-- cells, points included, by one index-only scan.
SET LOCAL DateStyle = ISO;
SET LOCAL extra_float_digits = 1;

ALTER TABLE reading_rollups_coarse ADD COLUMN point text;

-- One rewrite of the table (USING computes each row's point), one index build.
ALTER TABLE reading_rollups_coarse
    ALTER COLUMN point TYPE text USING
        '{"first_time":"'
        || CASE WHEN date_trunc('second', first_time) = first_time
                THEN replace((first_time AT TIME ZONE 'UTC')::text, ' ', 'T')
                ELSE to_char(first_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') END
        || 'Z' || '","last_time":"'
        || CASE WHEN date_trunc('second', last_time) = last_time
                THEN replace((last_time AT TIME ZONE 'UTC')::text, ' ', 'T')
                ELSE to_char(last_time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') END
        || 'Z' || '","count":' || samples || ',"min":' || min_value || ',"max":' || max_value
        || ',"mean":' || sum_value / samples || '}',
    ALTER COLUMN point SET NOT NULL,
    DROP CONSTRAINT reading_rollups_coarse_pkey,
    ADD PRIMARY KEY (site_id, location, quantity, width_s, bucket)
        INCLUDE (samples, first_time, last_time, min_value, max_value, sum_value, sum_arrhenius,
                 point);
