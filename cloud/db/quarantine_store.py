"""SQL of quarantine: what pending devices send is held apart, released on approval.

Ingest stores a pending device's items in `quarantine_events` and `quarantine_readings` (the
same COPY as for `events` and `readings`, see `ingest_store`) and the derived work and
forwarding they call for here (`hold`). Approval moves all of it in, in the approval's
transaction (`release`); rejection keeps the items as evidence and drops the rest (`reject`).
The ingester reads a device's approval under the device row's lock (`admit_devices`), which
the approval's UPDATE also takes: a batch classified as pending is committed before the
approval's release runs, so nothing is left behind.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import Json, execute_values

from cloud.db.events_store import EVENT_COLUMNS
from cloud.db.forward_store import EVENT, event_items
from cloud.db.ingest_store import READING_COLUMNS, DeviceKey, Received
from cloud.db.queries import Where, fetch_dicts, page
from cloud.db.work_queue import Work, enqueue, merged

ITEM_TABLES = {
    "scan": ("quarantine_events", "events"),
    "reading": ("quarantine_readings", "readings"),
}
_COLUMNS = {"events": EVENT_COLUMNS, "readings": READING_COLUMNS}


@dataclass(frozen=True)
class Released:
    """What an approval let in: items moved, derived work and forwarding queued."""

    scans: int = 0
    readings: int = 0
    work: int = 0
    forwarding: int = 0


def hold(cur: Cursor, work: Sequence[tuple[DeviceKey, Work]], events: Sequence[Received]) -> None:
    """Keep the derived work and forwarding of held items until their device is approved."""
    by_device: dict[DeviceKey, list[Work]] = {}
    for device, item in work:
        by_device.setdefault(device, []).append(item)
    rows = [
        (site, device, w.kind, w.key, w.from_time, w.to_time)
        for (site, device), items in sorted(by_device.items())
        for w in merged(items)
    ]
    if rows:
        execute_values(
            cur,
            "INSERT INTO quarantine_work AS w (site_id, device_id, kind, key, from_time, to_time) "
            "VALUES %s ON CONFLICT (site_id, device_id, kind, key) DO UPDATE SET "
            "from_time = least(w.from_time, excluded.from_time), "
            "to_time = greatest(w.to_time, excluded.to_time)",
            rows,
            template="(%s, %s, %s, %s, %s::timestamptz, %s::timestamptz)",
        )
    outbox = [
        (entry.site, entry.device, EVENT, key, Json(payload))
        for entry, key, payload in event_items(events)
    ]
    if outbox:
        execute_values(
            cur,
            "INSERT INTO quarantine_outbox (site_id, device_id, kind, key, payload) VALUES %s "
            "ON CONFLICT (site_id, device_id, kind, key) DO NOTHING",
            outbox,
            template="(%s, %s, %s, %s, %s::jsonb)",
            page_size=1000,
        )


def release(cur: Cursor, *, site: str, device: str) -> Released:
    """Move the device's held items (not those kept as evidence) in, with their work."""
    moved = {}
    for kind, (held, table) in ITEM_TABLES.items():
        columns = ", ".join(_COLUMNS[table])
        cur.execute(
            f"WITH moved AS (DELETE FROM {held} WHERE site_id = %s AND device_id = %s "
            f"AND rejected_at IS NULL RETURNING {columns}) "
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM moved "
            "ON CONFLICT (id, time) DO NOTHING",
            (site, device),
        )
        moved[kind] = cur.rowcount
    cur.execute(
        "DELETE FROM quarantine_work WHERE site_id = %s AND device_id = %s "
        "RETURNING kind, key, from_time, to_time",
        (site, device),
    )
    work = [Work(*row) for row in cur.fetchall()]
    enqueue(cur, work)
    cur.execute(
        "WITH moved AS (DELETE FROM quarantine_outbox WHERE site_id = %s AND device_id = %s "
        "RETURNING kind, key, payload) "
        "INSERT INTO forward_outbox (destination, kind, key, payload) "
        "SELECT d.name, m.kind, m.key, m.payload FROM forward_destinations d CROSS JOIN moved m "
        "WHERE d.active ON CONFLICT (destination, kind, key) DO NOTHING",
        (site, device),
    )
    return Released(moved["scan"], moved["reading"], len(work), cur.rowcount)


def reject(cur: Cursor, *, site: str, device: str) -> None:
    """Keep the device's held items only as evidence (never released); drop their work."""
    for held, _ in ITEM_TABLES.values():
        cur.execute(
            f"UPDATE {held} SET rejected_at = now() WHERE site_id = %s AND device_id = %s "
            "AND rejected_at IS NULL",
            (site, device),
        )
    for table in ("quarantine_work", "quarantine_outbox"):
        cur.execute(f"DELETE FROM {table} WHERE site_id = %s AND device_id = %s", (site, device))


_SUMMARY = (
    "SELECT q.site_id, q.device_id, d.approval, "
    "count(*) FILTER (WHERE q.kind = 'scan' AND q.rejected_at IS NULL) AS scans, "
    "count(*) FILTER (WHERE q.kind = 'reading' AND q.rejected_at IS NULL) AS readings, "
    "count(*) FILTER (WHERE q.rejected_at IS NOT NULL) AS evidence, "
    "min(q.time) AS first_time, max(q.time) AS last_time, max(q.received_at) AS last_received "
    "FROM (SELECT 'scan' AS kind, site_id, device_id, time, received_at, rejected_at "
    "      FROM quarantine_events {where} "
    "      UNION ALL SELECT 'reading', site_id, device_id, time, received_at, rejected_at "
    "      FROM quarantine_readings {where}) q "
    "LEFT JOIN devices d USING (site_id, device_id) "
    "GROUP BY q.site_id, q.device_id, d.approval"
)


def summary(cur: Cursor, *, site: str | None) -> list[dict[str, Any]]:
    """Per device: items held (awaiting approval), items kept as evidence, their time span."""
    where = Where()
    where.when(site, "site_id = %(site)s", "site")
    cur.execute(_SUMMARY.format(where=where.sql) + " ORDER BY q.site_id, q.device_id", where.params)
    return fetch_dicts(cur)


def device_known(cur: Cursor, *, site: str, device: str) -> bool:
    """Whether the device is registered."""
    cur.execute("SELECT 1 FROM devices WHERE site_id = %s AND device_id = %s", (site, device))
    return cur.fetchone() is not None


_ITEM_SELECT = {
    "scan": "SELECT time, id, reader, location, biz_step, raw, gtin, lot, serial, sscc, "
    "received_at, rejected_at FROM quarantine_events",
    "reading": "SELECT time, id, sensor, location, quantity, value, unit, quality, "
    "received_at, rejected_at FROM quarantine_readings",
}


def held_items(
    cur: Cursor, *, kind: str, site: str, device: str, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """One device's held scans or readings, newest first."""
    where = Where()
    where.add("site_id = %(site)s AND device_id = %(device)s", site=site, device=device)
    return page(
        cur,
        select=_ITEM_SELECT[kind],
        where=where,
        order="time DESC, id",
        limit=limit,
        offset=offset,
    )
