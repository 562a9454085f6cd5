"""SQL a recall reads besides the trace walk: where it starts, batches, their steps and names."""

from collections.abc import Sequence
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.queries import fetch_dicts


def batch_of_serial(cur: Cursor, gtin: str, serial: str) -> int | None:
    """The batch a serialised item was commissioned into, if it was."""
    cur.execute(
        "SELECT batch_id FROM commissioned_items WHERE gtin = %s AND serial = %s", (gtin, serial)
    )
    row = cur.fetchone()
    return int(row[0]) if row else None


def batches_in_unit(cur: Cursor, sscc: str) -> list[int]:
    """The batches packed into a logistic unit."""
    cur.execute(
        "SELECT batch_id FROM unit_contents WHERE sscc = %s::bpchar ORDER BY batch_id", (sscc,)
    )
    return [int(row[0]) for row in cur.fetchall()]


def unit_known(cur: Cursor, sscc: str) -> bool:
    """Whether a logistic unit was scanned or stayed anywhere."""
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM presence WHERE sscc = %(u)s::bpchar) "
        "OR EXISTS (SELECT 1 FROM events WHERE sscc = %(u)s::bpchar)",
        {"u": sscc},
    )
    row = cur.fetchone()
    return bool(row and row[0])


def batch_rows(cur: Cursor, batch_ids: Sequence[int]) -> list[dict[str, Any]]:
    """Batches with product name and their count of commissioned serials."""
    cur.execute(
        "SELECT b.id, b.gtin, b.lot, b.site_id, p.name AS product_name, "
        " (SELECT count(*) FROM commissioned_items c WHERE c.batch_id = b.id) AS serials "
        "FROM batches b LEFT JOIN products p ON p.gtin = b.gtin WHERE b.id = ANY(%s::bigint[])",
        (list(batch_ids),),
    )
    return fetch_dicts(cur)


def steps_of(cur: Cursor, batch_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The steps of batches (batch_steps, with site and place names), each batch's in order."""
    cur.execute(
        "SELECT s.batch_id, s.biz_step, s.site_id, st.name AS site_name, s.location, "
        " l.name AS location_name, l.kind AS location_kind, s.scans, s.serials, s.units, "
        " s.first_time, s.last_time, s.readers "
        "FROM batch_steps s LEFT JOIN sites st ON st.id = s.site_id "
        "LEFT JOIN locations l ON l.site_id = s.site_id AND l.code = s.location "
        "WHERE s.batch_id = ANY(%s::bigint[]) "
        "ORDER BY s.batch_id, s.first_time, s.last_time, s.biz_step, s.site_id",
        (list(batch_ids),),
    )
    return fetch_dicts(cur)


def place_names(
    cur: Cursor, places: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, str | None]]:
    """(site name, place name) of each (site, location)."""
    if not places:
        return {}
    cur.execute(
        "SELECT w.site_id, w.code, s.name, l.name "
        "FROM unnest(%s::text[], %s::text[]) AS w (site_id, code) "
        "LEFT JOIN sites s ON s.id = w.site_id "
        "LEFT JOIN locations l ON l.site_id = w.site_id AND l.code = w.code",
        ([p[0] for p in places], [p[1] for p in places]),
    )
    return {(site, code): (site_name, name) for site, code, site_name, name in cur.fetchall()}
