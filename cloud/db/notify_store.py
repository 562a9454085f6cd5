"""SQL of the notification outbox: claim due rows (SKIP LOCKED, in order per alert), mark them."""

from dataclasses import dataclass
from typing import Any

from psycopg2.extensions import cursor as Cursor


@dataclass(frozen=True)
class Outgoing:
    """One notification to deliver: the channel, the alert and transition it tells of."""

    id: int
    channel: str
    attempts: int
    alert: dict[str, Any]
    transition: dict[str, Any]
    webhook_url: str | None
    secret_env: str | None


_ALERT_FIELDS = (
    "id",
    "key",
    "kind",
    "severity",
    "state",
    "site_id",
    "location",
    "sensor",
    "batch_ids",
    "started_at",
    "ended_at",
    "raised_at",
    "acknowledged_by",
    "details",
)
_TRANSITION_FIELDS = ("id", "from_state", "to_state", "at", "actor", "comment")


def claim_due(cur: Cursor, *, limit: int) -> list[Outgoing]:
    """Lock up to `limit` due notifications that no other notifier holds.

    A notification waits while an earlier one of the same alert and channel is pending, so a
    receiver sees an alert's transitions in order.
    """
    cur.execute(
        "SELECT n.id, n.channel, n.attempts, a.id, a.alert_key, a.kind, a.severity, a.state, "
        " a.site_id, a.location, a.sensor, a.batch_ids, a.started_at, a.ended_at, a.raised_at, "
        " a.acknowledged_by, a.details, t.id, t.from_state, t.to_state, t.at, t.actor, "
        " t.comment, w.url, w.secret_env "
        "FROM notifications n JOIN alert_transitions t ON t.id = n.transition_id "
        "JOIN alerts a ON a.id = t.alert_id "
        "LEFT JOIN webhooks w ON n.channel = 'webhook:' || w.id "
        "WHERE n.state = 'pending' AND n.next_attempt_at <= now() "
        "AND NOT EXISTS (SELECT 1 FROM notifications e "
        " JOIN alert_transitions et ON et.id = e.transition_id "
        " WHERE e.channel = n.channel AND et.alert_id = t.alert_id AND e.id < n.id "
        " AND e.state = 'pending') "
        "ORDER BY n.id LIMIT %s FOR UPDATE OF n SKIP LOCKED",
        (limit,),
    )
    claimed = []
    for row in cur.fetchall():
        alert = dict(zip(_ALERT_FIELDS, row[3:17], strict=True))
        transition = dict(zip(_TRANSITION_FIELDS, row[17:23], strict=True))
        claimed.append(Outgoing(row[0], row[1], row[2], alert, transition, row[23], row[24]))
    return claimed


def mark_sent(cur: Cursor, notification_id: int) -> None:
    """The notification was delivered."""
    cur.execute(
        "UPDATE notifications SET state = 'sent', sent_at = now(), attempts = attempts + 1, "
        "last_error = NULL WHERE id = %s",
        (notification_id,),
    )


def mark_failed_attempt(
    cur: Cursor, notification_id: int, *, error: str, delay_s: float, give_up: bool
) -> None:
    """A delivery failed: try again after `delay_s`, or give up (state 'failed')."""
    cur.execute(
        "UPDATE notifications SET attempts = attempts + 1, last_error = %s, "
        "next_attempt_at = now() + make_interval(secs => %s), "
        "state = CASE WHEN %s THEN 'failed' ELSE state END WHERE id = %s AND state = 'pending'",
        (error[:2000], delay_s, give_up, notification_id),
    )
