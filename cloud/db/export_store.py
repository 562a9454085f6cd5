"""SQL of exports: the shipping and receiving events of lots in a time range (FSMA 204 KDEs)."""

from datetime import date

from psycopg2.extensions import cursor as Cursor

from cloud.db.rows.exports import CTE, KdeRow, tlc

_BATCH = "b.gtin, b.lot, p.name, b.quantity, b.unit, b.site_id, b.origin_code"

_OURS = f"""
WITH named AS (
    SELECT e.id, b.id AS batch_id, NULL::text AS sscc FROM events e
      JOIN batches b ON b.gtin = e.gtin AND b.lot = e.lot
     WHERE e.biz_step = ANY(%(steps)s) AND e.time >= %(start)s AND e.time < %(end)s
    UNION SELECT e.id, c.batch_id, NULL FROM events e
      JOIN commissioned_items c ON c.gtin = e.gtin AND c.serial = e.serial
     WHERE e.lot IS NULL AND e.biz_step = ANY(%(steps)s)
       AND e.time >= %(start)s AND e.time < %(end)s
    UNION SELECT e.id, u.batch_id, u.sscc::text FROM events e
      JOIN unit_contents u ON u.sscc = e.sscc AND u.packed_at <= e.time
     WHERE e.biz_step = ANY(%(steps)s) AND e.time >= %(start)s AND e.time < %(end)s
)
SELECT e.biz_step, e.time, {_BATCH}, e.site_id, e.location, l.name, l.gln, NULL, n.sscc,
       'urn:uuid:' || e.id::text, 'txng', 'site'
  FROM named n JOIN events e ON e.id = n.id
  JOIN batches b ON b.id = n.batch_id LEFT JOIN products p ON p.gtin = b.gtin
  LEFT JOIN locations l ON l.site_id = e.site_id AND l.code = e.location
 WHERE e.time >= %(start)s AND e.time < %(end)s
   AND (%(site)s::text IS NULL OR e.site_id = %(site)s)
"""

_CAPTURED = f"""
SELECT c.biz_step, c.event_time, {_BATCH}, NULL, NULL, NULL, NULL,
       coalesce(c.event->'bizLocation'->>'id', c.event->'readPoint'->>'id'), NULL,
       coalesce(c.event_id, 'capture:' || c.capture_id::text || '/' || c.position), 'epcis',
       c.asserted_by
  FROM epcis_events c JOIN epcis_event_batches x ON x.epcis_event = c.id
  JOIN batches b ON b.id = x.batch_id LEFT JOIN products p ON p.gtin = b.gtin
 WHERE c.biz_step = ANY(%(steps)s) AND c.event_time >= %(start)s AND c.event_time < %(end)s
   AND (%(site)s::text IS NULL OR c.site_id = %(site)s)
"""


def kde_rows(cur: Cursor, *, start: date, end: date, site: str | None = None) -> list[KdeRow]:
    """Shipping and receiving of every lot in [start, end) (UTC dates): of `site`, if given."""
    cur.execute(
        f"{_OURS} UNION ALL {_CAPTURED} ORDER BY 2, 3, 4",
        {"steps": sorted(CTE), "start": start, "end": end, "site": site},
    )
    rows = []
    for r in cur.fetchall():
        step, at, gtin, lot, name, qty, unit, src_site, origin = r[:9]
        loc_site, loc_code, loc_name, gln, uri, sscc, reference, source, asserted = r[9:]
        rows.append(
            KdeRow(
                cte=CTE[step],
                event_time=at,
                traceability_lot_code=tlc(gtin, lot),
                gtin=gtin,
                lot=lot,
                product_description=name,
                batch_quantity=qty,
                batch_unit=unit,
                location_site=loc_site,
                location_code=loc_code,
                location_name=loc_name,
                location_gln=gln.strip() if gln else None,
                location_uri=uri,
                logistic_unit_sscc=sscc,
                tlc_source_site=src_site,
                tlc_source_origin=origin,
                reference=reference,
                data_source=source,
                asserted_by=asserted,
            )
        )
    return rows
