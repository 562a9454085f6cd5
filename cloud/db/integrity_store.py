"""SQL of integrity signals: where a code was seen, whether it was commissioned, expired scans."""

from dataclasses import dataclass
from datetime import date, datetime

from psycopg2.extensions import cursor as Cursor

# A batch expires at the end of its expiry date, Vietnam time (UTC+7, no daylight saving).
EXPIRY_ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Sighting:
    """One scan of a code: when, where, and the location's coordinates if known."""

    event_id: str
    time: datetime
    site: str
    location: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class ExpiredScan:
    """A scan after the expiry date (from the batch, or AI 17 in the scan itself)."""

    event_id: str
    time: datetime
    site: str
    location: str
    batch_id: int
    expiry: date


_SIGHTING = (
    "SELECT e.id::text, e.time, e.site_id, e.location, l.latitude, l.longitude FROM events e "
    "LEFT JOIN locations l ON l.site_id = e.site_id AND l.code = e.location "
)


def item_sightings(cur: Cursor, gtin: str, serial: str) -> list[Sighting]:
    """Every scan of the item (GTIN + serial), in event-time order."""
    cur.execute(
        _SIGHTING + "WHERE e.gtin = %s AND e.serial = %s ORDER BY e.time, e.id", (gtin, serial)
    )
    return [Sighting(*row) for row in cur.fetchall()]


def unit_sightings(cur: Cursor, sscc: str) -> list[Sighting]:
    """Every scan of the logistic unit, in event-time order."""
    cur.execute(_SIGHTING + "WHERE e.sscc = %s ORDER BY e.time, e.id", (sscc,))
    return [Sighting(*row) for row in cur.fetchall()]


def is_serialised(cur: Cursor, gtin: str) -> bool:
    """Whether the product's items must be commissioned: flagged, or some serial of it was."""
    cur.execute(
        "SELECT EXISTS (SELECT 1 FROM products WHERE gtin = %(g)s AND serialised) "
        "OR EXISTS (SELECT 1 FROM commissioned_items WHERE gtin = %(g)s)",
        {"g": gtin},
    )
    row = cur.fetchone()
    return bool(row and row[0])


def unit_batches(cur: Cursor, sscc: str) -> list[int]:
    """The batches packed into a logistic unit."""
    cur.execute("SELECT batch_id FROM unit_contents WHERE sscc = %s ORDER BY batch_id", (sscc,))
    return [int(row[0]) for row in cur.fetchall()]


def batch_id(cur: Cursor, gtin: str, lot: str) -> int | None:
    """The id of batch (gtin, lot), if it exists."""
    cur.execute("SELECT id FROM batches WHERE gtin = %s AND lot = %s", (gtin, lot))
    row = cur.fetchone()
    return int(row[0]) if row else None


def expired_scans(
    cur: Cursor, batch: int, since: datetime | None, until: datetime | None
) -> list[ExpiredScan]:
    """Scans of the batch (by GTIN + lot, or by a serial commissioned into it) after expiry."""
    cur.execute(
        f"""
        WITH scans AS (
            SELECT e.id, e.time, e.site_id, e.location, e.identifiers FROM events e
              JOIN batches b ON e.gtin = b.gtin AND e.lot = b.lot WHERE b.id = %(b)s
            UNION ALL
            SELECT e.id, e.time, e.site_id, e.location, e.identifiers FROM events e
              JOIN commissioned_items c ON e.gtin = c.gtin AND e.serial = c.serial
             WHERE c.batch_id = %(b)s AND e.lot IS NULL
        ), dated AS (
            SELECT s.*, coalesce((s.identifiers->>'expiry_date')::date, b.expiry_date) AS expiry
              FROM scans s, batches b WHERE b.id = %(b)s
        )
        SELECT id::text, time, site_id, location, expiry FROM dated
         WHERE expiry IS NOT NULL
           AND time >= ((expiry + 1)::timestamp AT TIME ZONE '{EXPIRY_ZONE}')
           AND (%(since)s::timestamptz IS NULL OR time >= %(since)s)
           AND (%(until)s::timestamptz IS NULL OR time <= %(until)s)
         ORDER BY time, id
        """,
        {"b": batch, "since": since, "until": until},
    )
    return [ExpiredScan(i, t, s, loc, batch, exp) for i, t, s, loc, exp in cur.fetchall()]
