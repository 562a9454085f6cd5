"""Devices as operators manage them: registration, approval, and what a device is allowed."""

from psycopg2.extensions import cursor as Cursor


def approve_device(cur: Cursor, *, site: str, device: str) -> bool:
    """Create (or approve) the device and, if new, its site; return whether the device was new."""
    cur.execute("INSERT INTO sites (id) VALUES (%s) ON CONFLICT (id) DO NOTHING", (site,))
    cur.execute(
        "INSERT INTO devices (site_id, device_id, approval) VALUES (%s, %s, 'approved') "
        "ON CONFLICT (site_id, device_id) DO UPDATE SET approval = 'approved' "
        "RETURNING (xmax = 0)",
        (site, device),
    )
    row = cur.fetchone()
    return bool(row and row[0])


def device_approval(cur: Cursor, *, site: str, device: str) -> str | None:
    """The device's approval (pending, approved, rejected), or None when there is no such device."""
    cur.execute(
        "SELECT approval FROM devices WHERE site_id = %s AND device_id = %s", (site, device)
    )
    row = cur.fetchone()
    return str(row[0]) if row else None
