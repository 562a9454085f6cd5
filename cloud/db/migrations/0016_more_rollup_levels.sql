-- Three more coarse levels, 30 minutes, 2 hours and 12 hours, so that no level is more than
-- three times the next finer one (5 min, 15 min, 30 min, 1 h, 2 h, 6 h, 12 h, 1 day): a series
-- of N points then reads fewer than 3·N cells (was 6·N between 1 h and 6 h). They cost 62 rows
-- a day per series, beside the five-minute level's 288.
ALTER TABLE reading_rollups_coarse DROP CONSTRAINT reading_rollups_coarse_width_s_check;
ALTER TABLE reading_rollups_coarse ADD CONSTRAINT reading_rollups_coarse_width_s_check
    CHECK (width_s IN (900, 1800, 3600, 7200, 21600, 43200, 86400));

INSERT INTO reading_rollups_coarse
SELECT r.site_id, r.location, r.quantity, w.width_s,
       date_bin(make_interval(secs => w.width_s), r.bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00'),
       sum(r.samples), min(r.first_time), max(r.last_time), min(r.min_value),
       max(r.max_value), sum(r.sum_value), sum(r.sum_arrhenius)
FROM reading_rollups r CROSS JOIN (VALUES (1800), (7200), (43200)) AS w (width_s)
GROUP BY 1, 2, 3, 4, 5;
