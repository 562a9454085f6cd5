"""Events: their stored columns (once, for COPY and the hash chain) and the newest scans."""

from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.queries import Where, fetch_dicts

# The columns of the events table in the order the ingester COPYs them.
EVENT_COLUMNS = (
    "time",
    "id",
    "site_id",
    "device_id",
    "seq",
    "clock",
    "reader",
    "location",
    "biz_step",
    "carrier",
    "raw",
    "symbology",
    "gtin",
    "lot",
    "serial",
    "sscc",
    "epc_uri",
    "identifiers",
    "rssi",
    "antenna",
    "read_count",
    "first_seen",
    "last_seen",
    "received_at",
)
# Bookkeeping of a dedupe window, updated after storage: not part of what the chain protects.
UNCHAINED_COLUMNS = ("first_seen", "last_seen")
# The stored columns of an event that the hash chain protects, in its canonical order (changing
# it changes every link: tests/cloud/db/test_events.py holds it fixed).
CHAINED_COLUMNS = (
    "id",
    "time",
    *(c for c in EVENT_COLUMNS if c not in ("id", "time", *UNCHAINED_COLUMNS)),
)


def recent_scans(cur: Cursor, *, site: str | None, limit: int) -> list[dict[str, Any]]:
    """The newest scans (by receive time), with the batch they name when it is known."""
    where = Where(params={"limit": limit})
    where.when(site, "e.site_id = %(site)s", "site")
    cur.execute(
        "SELECT e.time, e.received_at, e.site_id, e.location, e.biz_step, e.gtin, e.lot, "
        "e.sscc, b.id AS batch_id, p.name AS product_name FROM events e "
        "LEFT JOIN batches b ON b.gtin = e.gtin AND b.lot = e.lot "
        f"LEFT JOIN products p ON p.gtin = e.gtin {where.sql} "
        "ORDER BY e.received_at DESC LIMIT %(limit)s",
        where.params,
    )
    return fetch_dicts(cur)
