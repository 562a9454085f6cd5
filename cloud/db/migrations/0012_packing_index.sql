-- Packing-line aggregation looks up a reader's scans by device sequence number: the scans
-- between two SSCC scans of one reader go into the unit of the second.
CREATE INDEX events_reader_seq ON events (site_id, device_id, reader, seq)
    WHERE biz_step = 'packing';
