"""SQL of deliveries to people: queue them per transition, escalation and reminder; claim, mark.

A delivery is unique per (transition | escalation | reminder number) and recipient (its
`dedupe_key`), so whichever process queues it, a recipient is told of each thing once.
Times come from the caller's clock (`now`), so escalation and quiet hours follow it in tests.
"""

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.queries import fetch_dicts

# The recipients an alert `a` concerns: its site's (an alert of no site, such as a batch's
# cumulative excursion: the sites where its batches were), for its kind.
MATCH_SQL = (
    "r.active AND (r.kinds IS NULL OR a.kind = ANY (r.kinds)) AND (r.site_id = a.site_id "
    " OR (a.site_id IS NULL AND r.site_id IN (SELECT bp.site_id FROM batch_presence bp "
    "  WHERE bp.batch_id = ANY (a.batch_ids))))"
)


@dataclass(frozen=True)
class PolicyDefaults:
    """The policy of a site without a row of its own in notify_policies."""

    escalate_after_s: int | None
    remind_every_s: int | None
    max_reminders: int
    group_window_s: int


@dataclass(frozen=True)
class Recipient:
    """A person on one channel, as the notifier needs them."""

    id: int
    site_id: str
    name: str
    channel: str
    address: str
    language: str
    quiet_start: time | None
    quiet_end: time | None
    time_zone: str
    failures: int
    group_window_s: int


@dataclass(frozen=True)
class Due:
    """One due delivery: what happened to which alert (`to_state` None: escalation/reminder)."""

    id: int
    reason: str
    step: int
    attempts: int
    alert: dict[str, Any]
    to_state: str | None
    actor: str | None
    comment: str | None


def queue_transition(cur: Cursor, alert_id: int, transition_id: int) -> int:
    """Queue the transition for the alert's level-0 recipients and those already told of it."""
    cur.execute(
        "INSERT INTO deliveries (alert_id, transition_id, recipient_id, reason, dedupe_key) "
        "SELECT a.id, %(t)s, r.id, 'transition', 't:' || %(t)s || ':' || r.id "
        f"FROM alerts a JOIN recipients r ON {MATCH_SQL} "
        "WHERE a.id = %(a)s AND (r.level = 0 OR EXISTS (SELECT 1 FROM deliveries e "
        " WHERE e.alert_id = a.id AND e.recipient_id = r.id AND e.state <> 'cancelled')) "
        "ON CONFLICT (dedupe_key) DO NOTHING",
        {"a": alert_id, "t": transition_id},
    )
    return int(cur.rowcount)


def _policy(column: str, default: str) -> str:
    return f"CASE WHEN p.site_id IS NULL THEN %({default})s ELSE p.{column} END"


def queue_escalations(cur: Cursor, *, now: datetime, defaults: PolicyDefaults) -> dict[str, int]:
    """Queue escalations and reminders due at `now` for unacknowledged alerts; count by reason.

    A recipient of level n is told once the alert stayed unacknowledged n escalation periods;
    reminder k goes at k reminder periods to those told by then (a missed one is not caught up).
    """
    cur.execute(
        "WITH c AS (SELECT a.id AS alert_id, r.id AS recipient_id, r.level, "
        f" {_policy('escalate_after_s', 'esc')} AS esc_s, "
        f" {_policy('remind_every_s', 'rem')} AS rem_s, "
        f" {_policy('max_reminders', 'max_rem')} AS max_rem, "
        " extract(epoch FROM %(now)s - a.raised_at) AS age_s "
        f" FROM alerts a JOIN recipients r ON {MATCH_SQL} "
        " LEFT JOIN notify_policies p ON p.site_id = r.site_id "
        " WHERE a.state = 'active_unack' AND a.raised_at <= %(now)s), "
        "due AS (SELECT alert_id, recipient_id, 'escalation' AS reason, level AS step, "
        "  'e:' || alert_id || ':' || recipient_id AS dedupe_key FROM c "
        " WHERE level >= 1 AND esc_s IS NOT NULL AND age_s >= level * esc_s "
        " UNION ALL "
        " SELECT alert_id, recipient_id, 'reminder', n, "
        "  'r:' || alert_id || ':' || n || ':' || recipient_id FROM ("
        "  SELECT c.*, floor(age_s / rem_s)::int AS n FROM c WHERE rem_s IS NOT NULL) k "
        " WHERE n BETWEEN 1 AND max_rem "
        " AND (level = 0 OR (esc_s IS NOT NULL AND n * rem_s > level * esc_s))) "
        "INSERT INTO deliveries (alert_id, recipient_id, reason, step, dedupe_key, due_at) "
        "SELECT alert_id, recipient_id, reason, step, dedupe_key, %(now)s FROM due "
        "ON CONFLICT (dedupe_key) DO NOTHING RETURNING reason",
        {
            "now": now,
            "esc": defaults.escalate_after_s,
            "rem": defaults.remind_every_s,
            "max_rem": defaults.max_reminders,
        },
    )
    counts = {"escalation": 0, "reminder": 0}
    for (reason,) in cur.fetchall():
        counts[reason] += 1
    return counts


def claim_recipients(
    cur: Cursor, *, now: datetime, limit: int, defaults: PolicyDefaults
) -> list[Recipient]:
    """Lock up to `limit` recipients with due deliveries that no other notifier holds."""
    cur.execute(
        "SELECT r.id, r.site_id, r.name, r.channel, r.address, r.language, r.quiet_start, "
        " r.quiet_end, r.time_zone, r.failures, "
        f" {_policy('group_window_s', 'window')} "
        "FROM recipients r LEFT JOIN notify_policies p ON p.site_id = r.site_id "
        "WHERE (r.hold_until IS NULL OR r.hold_until <= %(now)s) AND EXISTS (SELECT 1 "
        " FROM deliveries d WHERE d.recipient_id = r.id AND d.state = 'pending' "
        " AND d.due_at <= %(now)s) "
        "ORDER BY r.id LIMIT %(limit)s FOR UPDATE OF r SKIP LOCKED",
        {"now": now, "limit": limit, "window": defaults.group_window_s},
    )
    return [Recipient(*row) for row in cur.fetchall()]


_ALERT_FIELDS = (
    "id",
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


def due_deliveries(cur: Cursor, recipient_id: int, *, now: datetime, limit: int) -> list[Due]:
    """The recipient's due deliveries, oldest first (stale escalations and reminders cancelled).

    An escalation or reminder of an alert acknowledged or cleared meanwhile is not sent.
    """
    cur.execute(
        "UPDATE deliveries d SET state = 'cancelled' FROM alerts a WHERE a.id = d.alert_id "
        "AND d.recipient_id = %s AND d.state = 'pending' AND d.reason <> 'transition' "
        "AND a.state <> 'active_unack'",
        (recipient_id,),
    )
    cur.execute(
        "SELECT d.id, d.reason, d.step, d.attempts, a.id, a.kind, a.severity, a.state, "
        " a.site_id, a.location, a.sensor, a.batch_ids, a.started_at, a.ended_at, a.raised_at, "
        " a.acknowledged_by, a.details, t.to_state, t.actor, t.comment "
        "FROM deliveries d JOIN alerts a ON a.id = d.alert_id "
        "LEFT JOIN alert_transitions t ON t.id = d.transition_id "
        "WHERE d.recipient_id = %s AND d.state = 'pending' AND d.due_at <= %s "
        "ORDER BY d.id LIMIT %s FOR UPDATE OF d",
        (recipient_id, now, limit),
    )
    return [
        Due(
            row[0],
            row[1],
            row[2],
            row[3],
            dict(zip(_ALERT_FIELDS, row[4:17], strict=True)),
            row[17],
            row[18],
            row[19],
        )
        for row in cur.fetchall()
    ]


def postpone(cur: Cursor, delivery_ids: list[int], until: datetime) -> None:
    """Hold deliveries until `until` (the end of the recipient's quiet hours)."""
    cur.execute("UPDATE deliveries SET due_at = %s WHERE id = ANY (%s)", (until, delivery_ids))


@dataclass(frozen=True)
class SentMessage:
    """A message as it went out, for the record."""

    recipient: Recipient
    subject: str
    body: str
    provider_id: str | None


def mark_sent(cur: Cursor, message: SentMessage, delivery_ids: list[int], *, now: datetime) -> int:
    """Record the message, mark its deliveries sent and open the recipient's grouping window."""
    recipient = message.recipient
    cur.execute(
        "INSERT INTO notify_messages (recipient_id, channel, language, subject, body, sent_at, "
        "provider_id) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            recipient.id,
            recipient.channel,
            recipient.language,
            message.subject,
            message.body,
            now,
            message.provider_id,
        ),
    )
    row = cur.fetchone()
    assert row is not None
    message_id = int(row[0])
    cur.execute(
        "UPDATE deliveries SET state = 'sent', sent_at = %s, attempts = attempts + 1, "
        "last_error = NULL, message_id = %s WHERE id = ANY (%s)",
        (now, message_id, delivery_ids),
    )
    cur.execute(
        "UPDATE recipients SET failures = 0, "
        "hold_until = %s + make_interval(secs => %s) WHERE id = %s",
        (now, recipient.group_window_s, recipient.id),
    )
    return message_id


def mark_failed(
    cur: Cursor,
    recipient_id: int,
    delivery_ids: list[int],
    *,
    error: str,
    now: datetime,
    delay_s: float,
    max_attempts: int,
) -> None:
    """A send failed: count a try on each delivery (giving up past `max_attempts`), back off."""
    cur.execute(
        "UPDATE deliveries SET attempts = attempts + 1, last_error = %s, "
        "state = CASE WHEN attempts + 1 >= %s THEN 'failed' ELSE state END WHERE id = ANY (%s)",
        (error[:2000], max_attempts, delivery_ids),
    )
    cur.execute(
        "UPDATE recipients SET failures = failures + 1, "
        "hold_until = %s + make_interval(secs => %s) WHERE id = %s",
        (now, delay_s, recipient_id),
    )


def alert_deliveries(cur: Cursor, alert_id: int) -> list[dict[str, Any]]:
    """Every delivery of an alert with its recipient, oldest first (for the alert's page)."""
    cur.execute(
        "SELECT d.id, d.reason, d.step, d.state, d.attempts, d.last_error, d.created_at, "
        " d.due_at, d.sent_at, r.name, r.channel, r.address, r.language, r.level, "
        " t.to_state "
        "FROM deliveries d JOIN recipients r ON r.id = d.recipient_id "
        "LEFT JOIN alert_transitions t ON t.id = d.transition_id "
        "WHERE d.alert_id = %s ORDER BY d.id",
        (alert_id,),
    )
    return fetch_dicts(cur)
