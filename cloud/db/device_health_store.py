"""SQL of edge agents' health: who went quiet, and their outbox figures over a window.

Times are the ingester's receive times (a Pi's own clock may be off), compared with the
caller's `now`.
"""

from dataclasses import dataclass
from datetime import datetime

from psycopg2.extensions import cursor as Cursor


@dataclass(frozen=True)
class QuietDevice:
    """An approved device from which nothing arrived since `last_seen`."""

    site_id: str
    device_id: str
    last_seen: datetime


@dataclass(frozen=True)
class OutboxSample:
    """The outbox figures of one heartbeat."""

    received_at: datetime
    depth: int
    capacity: int
    drops: int
    alarm: bool


@dataclass(frozen=True)
class OpenAlert:
    """An open alert about a device."""

    key: str
    site_id: str
    device_id: str
    details: dict[str, object]


def quiet_devices(cur: Cursor, *, now: datetime, after_s: float) -> list[QuietDevice]:
    """Approved devices silent for `after_s` that have no open device_offline alert."""
    cur.execute(
        "SELECT d.site_id, d.device_id, d.last_seen FROM devices d "
        "WHERE d.approval = 'approved' AND d.last_seen < %s - make_interval(secs => %s) "
        "AND NOT EXISTS (SELECT 1 FROM alerts a WHERE a.kind = 'device_offline' "
        " AND a.state <> 'cleared' AND a.site_id = d.site_id "
        " AND a.details ->> 'device_id' = d.device_id) ORDER BY 1, 2",
        (now, after_s),
    )
    return [QuietDevice(*row) for row in cur.fetchall()]


def open_device_alerts(cur: Cursor, kind: str) -> list[OpenAlert]:
    """Open alerts of `kind` about devices."""
    cur.execute(
        "SELECT alert_key, site_id, details ->> 'device_id', details FROM alerts "
        "WHERE kind = %s AND state <> 'cleared' ORDER BY alert_key",
        (kind,),
    )
    return [OpenAlert(*row) for row in cur.fetchall()]


def last_seen(cur: Cursor, site_id: str, device_id: str) -> datetime | None:
    """When anything last arrived from the device."""
    cur.execute(
        "SELECT last_seen FROM devices WHERE site_id = %s AND device_id = %s", (site_id, device_id)
    )
    row = cur.fetchone()
    return row[0] if row else None


def outbox_samples(
    cur: Cursor, *, now: datetime, window_s: float
) -> dict[tuple[str, str], list[OutboxSample]]:
    """Each approved device's heartbeats received within the window, oldest first.

    The bound on device time (a day wider) only lets the index skip old rows.
    """
    cur.execute(
        "SELECT s.site_id, s.device_id, s.received_at, "
        " coalesce((s.status ->> 'outbox_depth')::bigint, 0), "
        " coalesce((s.status ->> 'outbox_capacity')::bigint, 0), "
        " coalesce((s.status ->> 'outbox_drops')::bigint, 0), "
        " coalesce((s.status ->> 'outbox_alarm')::boolean, false) "
        "FROM device_status s JOIN devices d ON d.site_id = s.site_id "
        " AND d.device_id = s.device_id AND d.approval = 'approved' "
        "WHERE s.state = 'online' AND s.received_at > %(now)s - make_interval(secs => %(w)s) "
        "AND s.received_at <= %(now)s "
        "AND s.time > %(now)s - make_interval(secs => %(w)s) - interval '1 day' "
        "ORDER BY s.site_id, s.device_id, s.received_at",
        {"now": now, "w": window_s},
    )
    found: dict[tuple[str, str], list[OutboxSample]] = {}
    for row in cur.fetchall():
        found.setdefault((row[0], row[1]), []).append(OutboxSample(*row[2:]))
    return found
