"""SQL of alerts: raise (idempotently, by key), clear, acknowledge, and queue notifications."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.deliveries_store import queue_transition
from cloud.db.queries import Where, fetch_dict, page

SYSTEM = "system"
SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class AlertSpec:
    """What an evaluator wants raised; `key` makes the same condition the same alert."""

    key: str
    kind: str
    severity: str
    started_at: datetime
    site_id: str | None = None
    location: str | None = None
    sensor: str | None = None
    batch_ids: Sequence[int] = ()
    details: dict[str, Any] | None = None


class AlertStateError(ValueError):
    """An operator action that the alert's state does not allow."""


def _transition(
    cur: Cursor,
    alert_id: int,
    from_state: str | None,
    to_state: str,
    actor: str,
    comment: str | None,
) -> None:
    cur.execute(
        "INSERT INTO alert_transitions (alert_id, from_state, to_state, actor, comment) "
        "VALUES (%s, %s, %s, %s, %s) RETURNING id, (SELECT kind FROM alerts WHERE id = %s)",
        (alert_id, from_state, to_state, actor, comment, alert_id),
    )
    row = cur.fetchone()
    assert row is not None
    transition_id, kind = row
    cur.execute(
        "INSERT INTO notifications (transition_id, channel) "
        "SELECT %(t)s, 'mqtt' UNION ALL "
        "SELECT %(t)s, 'webhook:' || id FROM webhooks "
        " WHERE active AND (kinds IS NULL OR %(kind)s = ANY(kinds)) "
        "ON CONFLICT (transition_id, channel) DO NOTHING",
        {"t": transition_id, "kind": kind},
    )
    queue_transition(cur, alert_id, transition_id)


def raise_alert(cur: Cursor, spec: AlertSpec) -> int | None:
    """Raise the alert unless one with the same key exists; return the new id, else None.

    An existing alert with that key only has its batches and details refreshed.
    """
    if spec.severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, not {spec.severity!r}")
    details = json.dumps(spec.details or {}, default=str)
    cur.execute(
        "INSERT INTO alerts (alert_key, kind, severity, site_id, location, sensor, batch_ids, "
        "started_at, details) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb) "
        "ON CONFLICT (alert_key) DO NOTHING RETURNING id",
        (
            spec.key,
            spec.kind,
            spec.severity,
            spec.site_id,
            spec.location,
            spec.sensor,
            sorted(set(spec.batch_ids)),
            spec.started_at,
            details,
        ),
    )
    row = cur.fetchone()
    if row is None:
        cur.execute(
            "UPDATE alerts SET batch_ids = ARRAY(SELECT DISTINCT unnest(batch_ids || %s::bigint[])"
            " ORDER BY 1), details = details || %s::jsonb, updated_at = now() "
            "WHERE alert_key = %s",
            (sorted(set(spec.batch_ids)), details, spec.key),
        )
        return None
    alert_id = int(row[0])
    _transition(cur, alert_id, None, "active_unack", SYSTEM, None)
    return alert_id


def end_condition(cur: Cursor, key: str, ended_at: datetime) -> bool:
    """The condition behind alert `key` ended at `ended_at`: clear it (if not already)."""
    cur.execute(
        "UPDATE alerts a SET state = 'cleared', ended_at = %s, cleared_at = now(), "
        "cleared_by = %s, updated_at = now() FROM (SELECT id, state FROM alerts "
        " WHERE alert_key = %s AND state <> 'cleared' FOR UPDATE) old "
        "WHERE a.id = old.id RETURNING a.id, old.state",
        (ended_at, SYSTEM, key),
    )
    row = cur.fetchone()
    if row is None:
        return False
    _transition(cur, int(row[0]), row[1], "cleared", SYSTEM, None)
    return True


def _locked_state(cur: Cursor, alert_id: int) -> str:
    """The alert's state, its row locked until the transaction ends; LookupError if none."""
    cur.execute("SELECT state FROM alerts WHERE id = %s FOR UPDATE", (alert_id,))
    row = cur.fetchone()
    if row is None:
        raise LookupError(f"no alert {alert_id}")
    return str(row[0])


def acknowledge(cur: Cursor, alert_id: int, *, actor: str, comment: str | None) -> None:
    """An operator acknowledges an active alert (who, when, comment)."""
    state = _locked_state(cur, alert_id)
    if state != "active_unack":
        raise AlertStateError(f"alert {alert_id} is {state}; only active_unack can be acknowledged")
    cur.execute(
        "UPDATE alerts SET state = 'active_ack', acknowledged_at = now(), acknowledged_by = %s, "
        "ack_comment = %s, updated_at = now() WHERE id = %s",
        (actor, comment, alert_id),
    )
    _transition(cur, alert_id, "active_unack", "active_ack", actor, comment)


def clear(cur: Cursor, alert_id: int, *, actor: str, comment: str | None) -> None:
    """An operator clears an alert that is not cleared yet."""
    state = _locked_state(cur, alert_id)
    if state == "cleared":
        raise AlertStateError(f"alert {alert_id} is already cleared")
    cur.execute(
        "UPDATE alerts SET state = 'cleared', cleared_at = now(), cleared_by = %s, "
        "clear_comment = %s, updated_at = now() WHERE id = %s",
        (actor, comment, alert_id),
    )
    _transition(cur, alert_id, state, "cleared", actor, comment)


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
    return fetch_dict(cur)
