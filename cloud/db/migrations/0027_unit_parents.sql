-- Logistic units packed into logistic units (cases onto a pallet), derived from packing scans.
CREATE TABLE unit_parents (
    sscc         char(18) NOT NULL,
    parent       char(18) NOT NULL,
    packed_at    timestamptz NOT NULL,
    pack_event   uuid NOT NULL,
    site_id      text NOT NULL,
    PRIMARY KEY (sscc, parent)
);
CREATE INDEX unit_parents_parent ON unit_parents (parent);

-- Every stay of a batch at a location: its own, those of the units it was packed into (from
-- the time it was packed), and those of the units these were packed into (a case on a pallet:
-- from the time the first of them was packed onto it), unless the batch is in it directly.
CREATE OR REPLACE VIEW batch_presence AS
SELECT p.batch_id, p.site_id, p.location, p.start_time, p.end_time, NULL::char(18) AS via_sscc
  FROM presence p
 WHERE p.batch_id IS NOT NULL
UNION ALL
SELECT c.batch_id, p.site_id, p.location, greatest(p.start_time, c.packed_at), p.end_time, c.sscc
  FROM unit_contents c
  JOIN presence p ON p.sscc = c.sscc
 WHERE p.end_time IS NULL OR p.end_time > c.packed_at
UNION ALL
SELECT c.batch_id, p.site_id, p.location,
       greatest(p.start_time, min(greatest(c.packed_at, n.packed_at))), p.end_time, n.parent
  FROM unit_contents c
  JOIN unit_parents n ON n.sscc = c.sscc
  JOIN presence p ON p.sscc = n.parent
 WHERE NOT EXISTS (SELECT 1 FROM unit_contents d WHERE d.sscc = n.parent AND d.batch_id = c.batch_id)
 GROUP BY c.batch_id, p.id, n.parent
HAVING p.end_time IS NULL OR p.end_time > min(greatest(c.packed_at, n.packed_at));
