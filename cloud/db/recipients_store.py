"""SQL of who is told of alerts: recipients per site and kind, and each site's policy."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.deliveries_store import PolicyDefaults
from cloud.db.queries import fetch_dicts


@dataclass(frozen=True)
class PolicyRow:
    """A site's escalation, reminder and grouping settings."""

    escalate_after_s: int | None
    remind_every_s: int | None
    max_reminders: int
    group_window_s: int


@dataclass(frozen=True)
class RecipientRow:
    """A person on one channel, as configured."""

    name: str
    channel: str
    address: str
    language: str
    level: int
    kinds: Sequence[str] | None
    quiet_start: time | None
    quiet_end: time | None
    time_zone: str


def replace_site(
    cur: Cursor, site_id: str, policy: PolicyRow, recipients: Sequence[RecipientRow]
) -> tuple[int, int]:
    """Set the site's policy and recipients; return (written, deactivated).

    Recipients no longer listed are deactivated (their deliveries stay on record).
    """
    cur.execute("INSERT INTO sites (id) VALUES (%s) ON CONFLICT (id) DO NOTHING", (site_id,))
    cur.execute(
        "INSERT INTO notify_policies (site_id, escalate_after_s, remind_every_s, max_reminders, "
        "group_window_s) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (site_id) DO UPDATE SET "
        "escalate_after_s = EXCLUDED.escalate_after_s, remind_every_s = EXCLUDED.remind_every_s,"
        " max_reminders = EXCLUDED.max_reminders, group_window_s = EXCLUDED.group_window_s, "
        "updated_at = now()",
        (
            site_id,
            policy.escalate_after_s,
            policy.remind_every_s,
            policy.max_reminders,
            policy.group_window_s,
        ),
    )
    kept = []
    for r in recipients:
        cur.execute(
            "INSERT INTO recipients (site_id, name, channel, address, language, level, kinds, "
            "quiet_start, quiet_end, time_zone, active) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, true) "
            "ON CONFLICT (site_id, channel, address) DO UPDATE SET name = EXCLUDED.name, "
            "language = EXCLUDED.language, level = EXCLUDED.level, kinds = EXCLUDED.kinds, "
            "quiet_start = EXCLUDED.quiet_start, quiet_end = EXCLUDED.quiet_end, "
            "time_zone = EXCLUDED.time_zone, active = true RETURNING id",
            (
                site_id,
                r.name,
                r.channel,
                r.address,
                r.language,
                r.level,
                list(r.kinds) if r.kinds is not None else None,
                r.quiet_start,
                r.quiet_end,
                r.time_zone,
            ),
        )
        row = cur.fetchone()
        assert row is not None
        kept.append(int(row[0]))
    cur.execute(
        "UPDATE recipients SET active = false WHERE site_id = %s AND active "
        "AND NOT (id = ANY (%s))",
        (site_id, kept),
    )
    return len(kept), int(cur.rowcount)


def site_policy(cur: Cursor, site_id: str, defaults: PolicyDefaults) -> dict[str, Any]:
    """The site's policy (the defaults when it has no row), with `configured` telling which."""
    cur.execute(
        "SELECT escalate_after_s, remind_every_s, max_reminders, group_window_s "
        "FROM notify_policies WHERE site_id = %s",
        (site_id,),
    )
    row = cur.fetchone()
    values = row or (
        defaults.escalate_after_s,
        defaults.remind_every_s,
        defaults.max_reminders,
        defaults.group_window_s,
    )
    names = ("escalate_after_s", "remind_every_s", "max_reminders", "group_window_s")
    return {**dict(zip(names, values, strict=True)), "configured": row is not None}


def site_recipients(cur: Cursor, site_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Active recipients of these sites, by site, level and name."""
    cur.execute(
        "SELECT id, site_id, name, channel, address, language, level, kinds, quiet_start, "
        "quiet_end, time_zone FROM recipients WHERE active AND site_id = ANY (%s) "
        "ORDER BY site_id, level, name, channel",
        (list(site_ids),),
    )
    return fetch_dicts(cur)


def alert_sites(cur: Cursor, alert_id: int) -> list[str]:
    """The sites whose recipients an alert concerns (its own; else where its batches were)."""
    cur.execute(
        "SELECT CASE WHEN a.site_id IS NOT NULL THEN ARRAY[a.site_id] ELSE ARRAY("
        " SELECT DISTINCT bp.site_id FROM batch_presence bp "
        " WHERE bp.batch_id = ANY (a.batch_ids) ORDER BY 1) END FROM alerts a WHERE a.id = %s",
        (alert_id,),
    )
    row = cur.fetchone()
    return list(row[0]) if row else []
