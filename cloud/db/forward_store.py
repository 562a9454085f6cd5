"""SQL of the forwarding outbox: destinations, queue, claim (SKIP LOCKED), finish, submissions."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import Json, execute_values

from cloud.db.ingest_store import Received
from cloud.db.locks import lock
from cloud.db.rows.forward import OutboxItem, Submission
from contract import ScanEvent

EVENT = "event"
WAITING = "waiting: "  # last_error of a pending item that is not ready to send (not a failure)


@dataclass(frozen=True)
class Finish:
    """What becomes of one claimed item: its new state, and when it is due again if pending."""

    item_id: int
    state: str  # 'pending', 'sent', 'parked', 'skipped'
    delay_s: float = 0.0
    error: str | None = None
    missing_field: str | None = None
    remote: dict[str, Any] | None = None
    count_attempt: bool = True


def register_destination(cur: Cursor, *, name: str, adapter: str, active: bool = True) -> None:
    """Create or update a destination; from now on ingest queues items for it when active."""
    cur.execute(
        "INSERT INTO forward_destinations (name, adapter, active) VALUES (%s, %s, %s) "
        "ON CONFLICT (name) DO UPDATE SET adapter = excluded.adapter, active = excluded.active",
        (name, adapter, active),
    )


def event_payload(entry: Received) -> dict[str, Any]:
    """What the outbox keeps about a stored scan event: its reference and identifiers."""
    event: ScanEvent = entry.item
    gs1 = event.gs1
    return {
        "event_id": str(event.id),
        "time": event.device_time.isoformat(),
        "site": entry.site,
        "location": event.location,
        "biz_step": event.biz_step.value,
        "gtin": gs1.gtin if gs1 else None,
        "lot": gs1.lot if gs1 else None,
        "serial": gs1.serial if gs1 else None,
        "sscc": gs1.sscc if gs1 else None,
    }


def event_items(received: Sequence[Received]) -> list[tuple[Received, str, dict[str, Any]]]:
    """The scan events that name products, each with its outbox key and payload."""
    items = []
    for entry in received:
        gs1 = entry.item.gs1
        if gs1 is not None and (gs1.gtin or gs1.sscc):
            items.append((entry, str(entry.item.id), event_payload(entry)))
    return items


def enqueue_events(cur: Cursor, received: Sequence[Received]) -> None:
    """Queue stored scan events that name products for every active destination."""
    enqueue(cur, kind=EVENT, items=[(key, payload) for _, key, payload in event_items(received)])


def enqueue(cur: Cursor, *, kind: str, items: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Queue (key, payload) items for every active destination; a key already queued stays."""
    if not items:
        return
    execute_values(
        cur,
        "INSERT INTO forward_outbox (destination, kind, key, payload) "
        "SELECT d.name, v.kind, v.key, v.payload FROM forward_destinations d "
        "CROSS JOIN (VALUES %s) AS v (kind, key, payload) WHERE d.active "
        "ON CONFLICT (destination, kind, key) DO NOTHING",
        [(kind, key, Json(payload)) for key, payload in items],
        template="(%s, %s, %s::jsonb)",
        page_size=1000,
    )


_ITEM_COLUMNS = "id, destination, kind, key, payload, attempts, remote, created_at"


def claim(cur: Cursor, *, destination: str, limit: int) -> list[OutboxItem]:
    """Lock up to `limit` due items of the destination, oldest first, skipping locked ones.

    The row locks last until the caller's transaction ends: no other forwarder can claim these
    items meanwhile, and if this process dies the locks go with its connection.
    """
    cur.execute(
        f"SELECT {_ITEM_COLUMNS} FROM forward_outbox "
        "WHERE destination = %s AND state = 'pending' AND next_attempt_at <= clock_timestamp() "
        "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
        (destination, limit),
    )
    return _items(cur)


def relock(cur: Cursor, ids: Sequence[int]) -> list[OutboxItem]:
    """Lock those of `ids` still pending and not held by another forwarder (claimed anew)."""
    cur.execute(
        f"SELECT {_ITEM_COLUMNS} FROM forward_outbox "
        "WHERE id = ANY(%s) AND state = 'pending' ORDER BY id FOR UPDATE SKIP LOCKED",
        (list(ids),),
    )
    return _items(cur)


def _items(cur: Cursor) -> list[OutboxItem]:
    return [
        OutboxItem(
            id=row[0],
            destination=row[1],
            kind=row[2],
            key=row[3],
            payload=row[4],
            attempts=row[5],
            remote=row[6],
            queued_at=row[7],
        )
        for row in cur.fetchall()
    ]


def finish(cur: Cursor, finishes: Sequence[Finish]) -> None:
    """Apply the outcome of one send to its claimed items (one statement)."""
    if not finishes:
        return
    execute_values(
        cur,
        "UPDATE forward_outbox o SET state = v.state, "
        "attempts = o.attempts + v.counted, "
        "next_attempt_at = CASE WHEN v.state = 'pending' "
        "  THEN clock_timestamp() + make_interval(secs => v.delay) ELSE o.next_attempt_at END, "
        "last_error = CASE WHEN v.state = 'sent' THEN NULL "
        "  ELSE coalesce(v.error, o.last_error) END, "
        "missing_field = v.missing, remote = o.remote || v.remote, "
        "sent_at = CASE WHEN v.state = 'sent' THEN clock_timestamp() ELSE o.sent_at END "
        "FROM (VALUES %s) AS v (id, state, delay, error, missing, remote, counted) "
        "WHERE o.id = v.id",
        [
            (
                f.item_id,
                f.state,
                f.delay_s,
                f.error[:2000] if f.error else None,
                f.missing_field,
                Json(f.remote or {}),
                1 if f.count_attempt else 0,
            )
            for f in finishes
        ],
        template="(%s::bigint, %s, %s::float8, %s, %s, %s::jsonb, %s::int)",
    )


def record_submissions(cur: Cursor, submissions: Iterable[Submission]) -> None:
    """Keep every request made and the answer it got."""
    rows = [
        (
            s.destination,
            s.started_at,
            s.method,
            s.url,
            s.status,
            s.duration_s * 1000.0,
            s.request_excerpt,
            s.response_excerpt,
            s.error,
            list(s.item_ids),
        )
        for s in submissions
    ]
    if rows:
        execute_values(
            cur,
            "INSERT INTO forward_submissions (destination, started_at, method, url, status, "
            "duration_ms, request_excerpt, response_excerpt, error, item_ids) VALUES %s",
            rows,
            template="(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s::bigint[])",
        )


def remote_object(cur: Cursor, *, destination: str, kind: str, key: str) -> dict[str, Any] | None:
    """The far side's ids of a shared object (product, order, chain), if it was created."""
    cur.execute(
        "SELECT remote FROM forward_remote_objects WHERE destination = %s AND kind = %s "
        "AND key = %s",
        (destination, kind, key),
    )
    row = cur.fetchone()
    return dict(row[0]) if row else None


def save_remote_object(
    cur: Cursor, *, destination: str, kind: str, key: str, remote: dict[str, Any]
) -> None:
    """Keep (merge) the far side's ids of a shared object."""
    cur.execute(
        "INSERT INTO forward_remote_objects AS r (destination, kind, key, remote) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (destination, kind, key) DO UPDATE SET "
        "remote = r.remote || excluded.remote, updated_at = now()",
        (destination, kind, key, Json(remote)),
    )


def lock_remote_object(cur: Cursor, *, destination: str, kind: str, key: str) -> None:
    """Hold (for this transaction) the right to create one far-side object: one creator at once."""
    lock(cur, f"forward-object|{destination}|{kind}|{key}")


def remote_objects(
    cur: Cursor, *, destination: str, kind: str, keys: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The far side's ids of many objects of one kind (those created), by key."""
    if not keys:
        return {}
    cur.execute(
        "SELECT key, remote FROM forward_remote_objects WHERE destination = %s AND kind = %s "
        "AND key = ANY(%s)",
        (destination, kind, list(keys)),
    )
    return {str(key): dict(remote) for key, remote in cur.fetchall()}


def save_remote_objects(
    cur: Cursor, *, destination: str, kind: str, remotes: Mapping[str, dict[str, Any]]
) -> None:
    """Keep (merge) the far side's ids of many objects of one kind."""
    if remotes:
        execute_values(
            cur,
            "INSERT INTO forward_remote_objects AS r (destination, kind, key, remote) VALUES %s "
            "ON CONFLICT (destination, kind, key) DO UPDATE SET "
            "remote = r.remote || excluded.remote, updated_at = now()",
            [(destination, kind, key, Json(remote)) for key, remote in remotes.items()],
        )


def parked_items(cur: Cursor, *, destination: str) -> list[tuple[str, str, str | None, str | None]]:
    """(kind, key, missing field, last error) of every parked item of the destination."""
    cur.execute(
        "SELECT kind, key, missing_field, last_error FROM forward_outbox "
        "WHERE destination = %s AND state = 'parked' ORDER BY id",
        (destination,),
    )
    return [(r[0], r[1], r[2], r[3]) for r in cur.fetchall()]


def requeue_parked(cur: Cursor, *, destination: str, missing_field: str | None) -> int:
    """Send parked items of the destination again (those lacking `missing_field`, or all).

    For after the cause is fixed (master data imported, the mapping corrected): the items go
    back to pending, due now, and the forwarder builds them anew; one that still lacks data
    is parked again with the reason.
    """
    cur.execute(
        "UPDATE forward_outbox SET state = 'pending', next_attempt_at = now(), "
        "missing_field = NULL WHERE destination = %s AND state = 'parked' "
        "AND (%s::text IS NULL OR missing_field = %s)",
        (destination, missing_field, missing_field),
    )
    return int(cur.rowcount)
