"""Devices as operators manage them: registration, approval, and what a device is allowed."""

from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import quarantine_store
from cloud.db.queries import Where, fetch_dict, page


def approve_device(cur: Cursor, *, site: str, device: str) -> bool:
    """Create (or approve) the device and, if new, its site; return whether the device was new.

    A device that was pending gets what it sent meanwhile released (`quarantine_store`).
    """
    cur.execute("INSERT INTO sites (id) VALUES (%s) ON CONFLICT (id) DO NOTHING", (site,))
    cur.execute(
        "INSERT INTO devices (site_id, device_id, approval) VALUES (%s, %s, 'approved') "
        "ON CONFLICT (site_id, device_id) DO UPDATE SET approval = 'approved' "
        "RETURNING (xmax = 0)",
        (site, device),
    )
    row = cur.fetchone()
    quarantine_store.release(cur, site=site, device=device)
    return bool(row and row[0])


def device_approval(cur: Cursor, *, site: str, device: str) -> str | None:
    """The device's approval (pending, approved, rejected), or None when there is no such device."""
    cur.execute(
        "SELECT approval FROM devices WHERE site_id = %s AND device_id = %s", (site, device)
    )
    row = cur.fetchone()
    return str(row[0]) if row else None


_DEVICE_SELECT = (
    "SELECT d.site_id, d.device_id, d.approval, d.first_seen, d.last_seen, d.last_status, "
    "d.last_status_at, c.rotated_at AS credentials_rotated_at, "
    "(d.last_seen IS NOT NULL AND d.last_seen > now() - make_interval(secs => %(online_s)s) "
    " AND COALESCE(d.last_status->>'state', 'online') <> 'offline') AS online "
    "FROM devices d LEFT JOIN device_credentials c "
    "ON c.site_id = d.site_id AND c.device_id = d.device_id"
)


def list_devices(
    cur: Cursor,
    *,
    site: str | None,
    approval: str | None,
    online: bool | None,
    online_s: float,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Devices with approval, last seen, last status and whether they count as online."""
    inner = Where(params={"online_s": online_s})
    inner.when(site, "d.site_id = %(site)s", "site")
    inner.when(approval, "d.approval = %(approval)s", "approval")
    select = f"SELECT * FROM ({_DEVICE_SELECT} {inner.sql}) dv"
    where = Where(params=inner.params)
    where.when(online, "dv.online = %(online)s", "online")
    return page(
        cur, select=select, where=where, order="site_id, device_id", limit=limit, offset=offset
    )


def get_device(cur: Cursor, *, site: str, device: str, online_s: float) -> dict[str, Any] | None:
    """One device."""
    cur.execute(
        f"{_DEVICE_SELECT} WHERE d.site_id = %(site)s AND d.device_id = %(device)s",
        {"site": site, "device": device, "online_s": online_s},
    )
    return fetch_dict(cur)


def set_approval(cur: Cursor, *, site: str, device: str, approval: str) -> bool:
    """Approve or reject a device; False when there is no such device.

    Approval releases what the device sent while pending; rejection keeps it as evidence.
    """
    cur.execute(
        "UPDATE devices SET approval = %s WHERE site_id = %s AND device_id = %s",
        (approval, site, device),
    )
    if not cur.rowcount:
        return False
    if approval == "approved":
        quarantine_store.release(cur, site=site, device=device)
    elif approval == "rejected":
        quarantine_store.reject(cur, site=site, device=device)
    return True


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
