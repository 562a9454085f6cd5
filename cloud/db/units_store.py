"""SQL of logistic units (SSCC): their stays with the kind of each place, and their contents."""

from dataclasses import dataclass
from datetime import datetime

from psycopg2.extensions import cursor as Cursor


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
