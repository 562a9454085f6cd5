"""SQL of alerts as evidence: the alerts naming some batches, with who did what and why."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor


@dataclass(frozen=True)
class Transition:
    """One step of an alert's life: from a state (None: raised) to another, by whom, why."""

    from_state: str | None
    to_state: str
    at: datetime
    actor: str
    comment: str | None


@dataclass(frozen=True)
class AlertRecord:
    """An alert with its life: acknowledgement, clearing and every transition."""

    id: int
    kind: str
    severity: str
    state: str
    site_id: str | None
    location: str | None
    sensor: str | None
    started_at: datetime
    ended_at: datetime | None
    raised_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    ack_comment: str | None
    cleared_at: datetime | None
    cleared_by: str | None
    clear_comment: str | None
    details: dict[str, Any]
    transitions: tuple[Transition, ...] = ()


def alerts_of_batches(cur: Cursor, batch_ids: Sequence[int]) -> list[AlertRecord]:
    """Every alert that names one of the batches, oldest first, with its transitions."""
    if not batch_ids:
        return []
    cur.execute(
        "SELECT id, kind, severity, state, site_id, location, sensor, started_at, ended_at, "
        "raised_at, acknowledged_at, acknowledged_by, ack_comment, cleared_at, cleared_by, "
        "clear_comment, details FROM alerts WHERE batch_ids && %s::bigint[] "
        "ORDER BY started_at, id",
        (list(batch_ids),),
    )
    alerts = [AlertRecord(*row) for row in cur.fetchall()]
    if not alerts:
        return []
    cur.execute(
        "SELECT alert_id, from_state, to_state, at, actor, comment FROM alert_transitions "
        "WHERE alert_id = ANY(%s) ORDER BY alert_id, at, id",
        ([a.id for a in alerts],),
    )
    steps: dict[int, list[Transition]] = {}
    for alert_id, *rest in cur.fetchall():
        steps.setdefault(alert_id, []).append(Transition(*rest))
    return [
        AlertRecord(**{**a.__dict__, "transitions": tuple(steps.get(a.id, ()))}) for a in alerts
    ]


def transitions_of(cur: Cursor, alert_id: int) -> list[Transition]:
    """The alert's transitions, oldest first."""
    cur.execute(
        "SELECT from_state, to_state, at, actor, comment FROM alert_transitions "
        "WHERE alert_id = %s ORDER BY at, id",
        (alert_id,),
    )
    return [Transition(*row) for row in cur.fetchall()]
