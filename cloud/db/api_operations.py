"""SQL the API reads operations with: alerts, devices (status, health) and dead letters."""

from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.api_common import Where, fetch_dicts, page

_ALERT_SELECT = (
    "SELECT a.id, a.kind, a.severity, a.state, a.site_id, a.location, a.sensor, a.batch_ids, "
    "a.started_at, a.ended_at, a.raised_at, a.acknowledged_at, a.acknowledged_by, "
    "a.ack_comment, a.cleared_at, a.cleared_by, a.clear_comment, a.details FROM alerts a"
)


def list_alerts(
    cur: Cursor,
    *,
    site: str | None,
    state: str | None,
    active: bool | None,
    kind: str | None,
    severity: str | None,
    batch_id: int | None,
    since: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Alerts by site, state, kind, severity, batch and start time, newest first."""
    where = Where()
    where.when(site, "a.site_id = %(site)s", "site")
    where.when(state, "a.state = %(state)s", "state")
    if active is not None:
        where.add("a.state <> 'cleared'" if active else "a.state = 'cleared'")
    where.when(kind, "a.kind = %(kind)s", "kind")
    where.when(severity, "a.severity = %(severity)s", "severity")
    where.when(batch_id, "a.batch_ids @> ARRAY[%(batch)s]::bigint[]", "batch")
    where.when(since, "a.started_at >= %(since)s", "since")
    return page(
        cur,
        select=_ALERT_SELECT,
        where=where,
        order="raised_at DESC, id DESC",
        limit=limit,
        offset=offset,
    )


def get_alert(cur: Cursor, *, alert_id: int) -> dict[str, Any] | None:
    """One alert by id."""
    cur.execute(f"{_ALERT_SELECT} WHERE a.id = %s", (alert_id,))
    rows = fetch_dicts(cur)
    return rows[0] if rows else None


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
    rows = fetch_dicts(cur)
    return rows[0] if rows else None


def set_approval(cur: Cursor, *, site: str, device: str, approval: str) -> bool:
    """Approve or reject a device; False when there is no such device."""
    cur.execute(
        "UPDATE devices SET approval = %s WHERE site_id = %s AND device_id = %s",
        (approval, site, device),
    )
    return bool(cur.rowcount)


_LETTER_COLUMNS = (
    "l.id, l.received_at, l.topic, l.reason, l.detail, l.field, l.item_index, l.site_id, "
    "l.device_id, l.replayed_at, length(l.payload) AS payload_bytes"
)


def list_dead_letters(
    cur: Cursor,
    *,
    site: str | None,
    reason: str | None,
    replayed: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Dead letters by site, reason and whether they were replayed, newest first."""
    where = Where()
    where.when(site, "l.site_id = %(site)s", "site")
    where.when(reason, "l.reason = %(reason)s", "reason")
    if replayed is not None:
        where.add("l.replayed_at IS NOT NULL" if replayed else "l.replayed_at IS NULL")
    select = f"SELECT {_LETTER_COLUMNS} FROM dead_letters l"
    return page(
        cur,
        select=select,
        where=where,
        order="received_at DESC, id DESC",
        limit=limit,
        offset=offset,
    )


def get_dead_letter(cur: Cursor, *, letter_id: int, lock: bool = False) -> dict[str, Any] | None:
    """One dead letter with its payload bytes."""
    cur.execute(
        f"SELECT {_LETTER_COLUMNS}, l.payload FROM dead_letters l WHERE l.id = %s"
        + (" FOR UPDATE" if lock else ""),
        (letter_id,),
    )
    rows = fetch_dicts(cur)
    if rows:
        rows[0]["payload"] = bytes(rows[0]["payload"])
    return rows[0] if rows else None


def mark_replayed(cur: Cursor, *, letter_id: int) -> None:
    """Record that a dead letter was replayed and stored."""
    cur.execute("UPDATE dead_letters SET replayed_at = now() WHERE id = %s", (letter_id,))
