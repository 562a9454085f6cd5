"""SQL of logistic units (SSCC): their stays, their contents, their scans grouped as steps."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.queries import fetch_dicts


@dataclass(frozen=True)
class UnitStay:
    """One stay of a unit; `kind` is its location's kind from master data (None: unknown)."""

    site_id: str
    location: str
    kind: str | None
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Content:
    """A batch packed into a unit, with its product's cold-chain profile (if any)."""

    batch_id: int
    gtin: str
    lot: str
    product_name: str | None
    profile_id: str | None
    packed_at: datetime
    site_id: str


def unit_stays(cur: Cursor, sscc: str) -> list[UnitStay]:
    """The unit's own stays in time order."""
    cur.execute(
        "SELECT p.site_id, p.location, l.kind, p.start_time, p.end_time FROM presence p "
        "LEFT JOIN locations l ON l.site_id = p.site_id AND l.code = p.location "
        "WHERE p.sscc = %s ORDER BY p.start_time, p.end_time NULLS LAST, p.location",
        (sscc,),
    )
    return [UnitStay(*row) for row in cur.fetchall()]


def unit_contents(cur: Cursor, sscc: str) -> list[Content]:
    """The batches packed into the unit, with their profiles (the product's, else its group's)."""
    cur.execute(
        "SELECT b.id, b.gtin, b.lot, p.name, coalesce(p.profile_id, g.profile_id), "
        "u.packed_at, u.site_id FROM unit_contents u JOIN batches b ON b.id = u.batch_id "
        "LEFT JOIN products p ON p.gtin = b.gtin "
        "LEFT JOIN product_groups g ON g.id = p.product_group "
        "WHERE u.sscc = %s ORDER BY b.id",
        (sscc,),
    )
    return [Content(*row) for row in cur.fetchall()]


_BATCHES = prepared.statement(
    "txng_unit_batches",
    "SELECT b.id, b.gtin, b.lot, b.site_id, p.name AS product_name, b.production_date, "
    " b.origin_code, u.packed_at, "
    " u.site_id AS packed_site FROM unit_contents u JOIN batches b ON b.id = u.batch_id "
    "LEFT JOIN products p ON p.gtin = b.gtin WHERE u.sscc = %(sscc)s::bpchar "
    "ORDER BY u.packed_at, b.id",
)
# A unit has few scans (a pallet's handful of moves): grouped as they are read.
_STEPS = prepared.statement(
    "txng_unit_steps",
    "SELECT e.biz_step, e.site_id, st.name AS site_name, e.location, l.name AS location_name, "
    " l.kind AS location_kind, count(*) AS scans, 0 AS serials, 1 AS units, "
    " min(e.time) AS first_time, max(e.time) AS last_time, "
    " array_agg(DISTINCT e.device_id || '/' || e.reader) AS readers "
    "FROM events e LEFT JOIN sites st ON st.id = e.site_id "
    "LEFT JOIN locations l ON l.site_id = e.site_id AND l.code = e.location "
    "WHERE e.sscc = %(sscc)s::bpchar "
    "GROUP BY e.biz_step, e.site_id, st.name, e.location, l.name, l.kind "
    "ORDER BY first_time, last_time, e.biz_step, e.site_id",
)


def unit_batches(cur: Cursor, sscc: str) -> list[dict[str, Any]]:
    """The batches packed into the unit, with product names, when and where they were packed."""
    prepared.execute(cur, _BATCHES, {"sscc": sscc})
    return fetch_dicts(cur)


def unit_steps(cur: Cursor, sscc: str) -> list[dict[str, Any]]:
    """The unit's scans as steps (business step at a place), in the order they began."""
    prepared.execute(cur, _STEPS, {"sscc": sscc})
    return fetch_dicts(cur)
