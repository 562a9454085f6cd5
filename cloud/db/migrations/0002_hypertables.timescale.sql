-- TimescaleDB only: events, readings and device status become hypertables on their time column.
-- Readings: 1-day chunks. At province scale (~10,000 sensors at one sample a minute) a day is
-- ~14 M rows, ~1.5-2 GB with indexes: one chunk and its indexes stay well inside the 25 % of
-- memory that Timescale recommends for the chunks being written, and a day is the unit that
-- compression and retention policies act on. Events are ~100x fewer: 7-day chunks keep their
-- count (and planning time) low. Status history is small: 7 days as well.
-- create_default_indexes => false: the tables keep exactly the indexes of plain PostgreSQL.
SELECT create_hypertable('readings', by_range('time', INTERVAL '1 day'),
                         create_default_indexes => false, migrate_data => true);
SELECT create_hypertable('events', by_range('time', INTERVAL '7 days'),
                         create_default_indexes => false, migrate_data => true);
SELECT create_hypertable('device_status', by_range('time', INTERVAL '7 days'),
                         create_default_indexes => false, migrate_data => true);
