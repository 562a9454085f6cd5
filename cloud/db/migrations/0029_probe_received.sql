-- When a probe's newest readings were received (not measured): a probe whose readings are
-- still arriving, however old they are (a backlog after an outage, a clock that is behind),
-- is catching up, not silent. NULL for probes recorded before this column: judged by their
-- readings' time alone, as before.
ALTER TABLE probes ADD COLUMN last_received_at timestamptz;
