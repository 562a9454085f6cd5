-- Every stored reading paid for (site_id, device_id, sensor, time): about a third of the
-- database's CPU per inserted row (measured with bench/ingest.py). Its one reader, the check
-- whether a silent probe has resumed, now goes through the location index and the probes table.
DROP INDEX readings_sensor_time;
