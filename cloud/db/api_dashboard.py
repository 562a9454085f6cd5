"""SQL of the dashboard: devices online, open alerts by severity, recent scans."""

from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.api_common import Where, fetch_dicts


def device_counts(cur: Cursor, *, site: str | None, online_s: float) -> dict[str, int]:
    """Devices in all, online now, and waiting for approval."""
    where = Where(params={"online_s": online_s})
    where.when(site, "site_id = %(site)s", "site")
    cur.execute(
        "SELECT count(*), count(*) FILTER (WHERE last_seen > now() - "
        "make_interval(secs => %(online_s)s) AND COALESCE(last_status->>'state', 'online') "
        "<> 'offline'), count(*) FILTER (WHERE approval = 'pending') "
        f"FROM devices {where.sql}",
        where.params,
    )
    row = cur.fetchone()
    assert row is not None
    return {"total": int(row[0]), "online": int(row[1]), "pending": int(row[2])}


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
