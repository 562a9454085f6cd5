"""SQL of the records our EPCIS events are made from, and of captured events, by id or batch."""

from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.readings_query import stay_summaries
from cloud.db.rows.epcis import BatchRef, Making, Packing, Place, Scan, StayConditions

_SCAN = (
    "SELECT e.id::text, e.time, e.site_id, e.location, l.gln, l.gln_extension, e.biz_step, "
    "e.gtin, e.lot, e.serial, e.sscc, e.epc_uri, "
    "EXISTS (SELECT 1 FROM unit_contents u WHERE u.pack_event = e.id) AS packs "
    "FROM events e LEFT JOIN locations l ON l.site_id = e.site_id AND l.code = e.location "
)


def _place(site: str, code: str, gln: str | None, extension: str | None) -> Place:
    return Place(site, code, gln.strip() if gln else None, extension or None)


def scans_and_packings(cur: Cursor, event_ids: Sequence[str]) -> list[Scan | Packing]:
    """Our scan events by id: scans that packed units as Packings, the others as Scans."""
    if not event_ids:
        return []
    cur.execute(_SCAN + "WHERE e.id = ANY(%s::uuid[]) ORDER BY e.time, e.id", (list(event_ids),))
    rows = cur.fetchall()
    pack_ids = [row[0] for row in rows if row[12]]
    contents: dict[str, list[tuple[str, str]]] = {}
    if pack_ids:
        cur.execute(
            "SELECT u.pack_event::text, b.gtin, b.lot FROM unit_contents u "
            "JOIN batches b ON b.id = u.batch_id WHERE u.pack_event = ANY(%s::uuid[]) "
            "ORDER BY b.gtin, b.lot",
            (pack_ids,),
        )
        for event, gtin, lot in cur.fetchall():
            contents.setdefault(event, []).append((gtin, lot))
    found: list[Scan | Packing] = []
    for row in rows:
        event_id, at, site, code, gln, ext, step, gtin, lot, serial, sscc, epc, packs = row
        place = _place(site, code, gln, ext)
        if packs and sscc:
            found.append(Packing(event_id, at, place, step, sscc, tuple(contents[event_id])))
        else:
            found.append(Scan(event_id, at, place, step, gtin, lot, serial, sscc, epc))
    return found


def captured_events(cur: Cursor, refs: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Captured events by row id: the event JSON with recordTime and its document's @context."""
    if not refs:
        return {}
    cur.execute(
        "SELECT c.id::text, c.event, c.record_time, k.context, c.site_id, c.asserted_by "
        "FROM epcis_events c JOIN epcis_captures k ON k.id = c.capture_id "
        "WHERE c.id = ANY(%s::bigint[])",
        ([int(r) for r in refs],),
    )
    found = {}
    for ref, event, recorded, context, site, asserted_by in cur.fetchall():
        found[ref] = {
            "event": event,
            "record_time": recorded,
            "context": context,
            "site_id": site,
            "asserted_by": asserted_by,
        }
    return found


def batch_ref(cur: Cursor, batch_id: int) -> BatchRef | None:
    """The batch's GS1 key and quantity (None: no such batch)."""
    cur.execute("SELECT gtin, lot, quantity, unit FROM batches WHERE id = %s", (batch_id,))
    row = cur.fetchone()
    return BatchRef(*row) if row else None


def batch_scan_ids(cur: Cursor, batch_id: int) -> list[str]:
    """Ids of scans naming the batch (GTIN + lot, serials in it) or its units since packing."""
    cur.execute(
        "SELECT e.id::text FROM events e JOIN batches b ON e.gtin = b.gtin AND e.lot = b.lot "
        " WHERE b.id = %(b)s "
        "UNION SELECT e.id::text FROM events e JOIN commissioned_items c ON e.gtin = c.gtin "
        " AND e.serial = c.serial WHERE c.batch_id = %(b)s "
        "UNION SELECT e.id::text FROM unit_contents u JOIN events e ON e.sscc = u.sscc "
        " AND e.time >= u.packed_at WHERE u.batch_id = %(b)s "
        "UNION SELECT pack_event::text FROM unit_contents WHERE batch_id = %(b)s",
        {"b": batch_id},
    )
    return [row[0] for row in cur.fetchall()]


def batch_captured_refs(cur: Cursor, batch_id: int, *, site: str | None = None) -> list[str]:
    """Row ids of captured events linked to the batch (captured for `site`, when given)."""
    cur.execute(
        "SELECT x.epcis_event::text FROM epcis_event_batches x JOIN epcis_events c "
        "ON c.id = x.epcis_event WHERE x.batch_id = %s AND (%s::text IS NULL OR c.site_id = %s)",
        (batch_id, site, site),
    )
    return [row[0] for row in cur.fetchall()]


def makings(cur: Cursor, batch_id: int) -> list[Making]:
    """The batch made from its inputs, and each batch made from it (master data or EPCIS)."""
    cur.execute(
        "SELECT DISTINCT x.batch_id FROM batch_inputs x "
        "WHERE x.batch_id = %(b)s OR x.input_batch_id = %(b)s",
        {"b": batch_id},
    )
    found = []
    for (output_id,) in cur.fetchall():
        cur.execute(
            "SELECT b.gtin, b.lot, b.quantity, b.unit, b.production_date, b.created_at, "
            "b.site_id, b.origin_code FROM batches b WHERE b.id = %s",
            (output_id,),
        )
        row = cur.fetchone()
        assert row is not None
        gtin, lot, quantity, unit, produced, created, site, origin = row
        cur.execute(
            "SELECT b.gtin, b.lot, b.quantity, b.unit FROM batch_inputs x JOIN batches b "
            "ON b.id = x.input_batch_id WHERE x.batch_id = %s ORDER BY b.gtin, b.lot",
            (output_id,),
        )
        inputs = tuple(BatchRef(*r) for r in cur.fetchall())
        at = datetime.combine(produced, time(), UTC) if produced else created
        place = _site_place(cur, site, origin)
        found.append(Making(BatchRef(gtin, lot, quantity, unit), inputs, at, place))
    return found


def _site_place(cur: Cursor, site: str | None, code: str | None) -> Place | None:
    if not site or not code:
        return None
    cur.execute(
        "SELECT gln, gln_extension FROM locations WHERE site_id = %s AND code = %s", (site, code)
    )
    row = cur.fetchone()
    return _place(site, code, *(row or (None, None)))


def batch_conditions(cur: Cursor, batch_id: int, batch: BatchRef) -> list[StayConditions]:
    """The batch's stays with readings, with their temperature summaries."""
    found = []
    for summary in stay_summaries(cur, batch_id):
        if not summary.count:
            continue
        stay = summary.stay
        cur.execute(
            "SELECT gln, gln_extension FROM locations WHERE site_id = %s AND code = %s",
            (stay.site_id, stay.location),
        )
        row = cur.fetchone()
        found.append(
            StayConditions(
                batch=batch,
                place=_place(stay.site_id, stay.location, *(row or (None, None))),
                start=stay.start,
                end=stay.end,
                count=summary.count,
                min=summary.min,
                max=summary.max,
                mean=summary.mean,
                via_sscc=stay.via_sscc,
            )
        )
    return found
