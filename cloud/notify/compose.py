"""A recipient's message: one alert's news in full, or several grouped into one digest."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cloud.db.deliveries_store import Due, Recipient
from cloud.notify.texts import Language, local_time, number, word


@dataclass(frozen=True)
class Message:
    """Subject (an e-mail's; the first line elsewhere) and text."""

    subject: str
    text: str


def alert_link(base_url: str, alert_id: int) -> str:
    """The alert's page in the web UI."""
    return f"{base_url.rstrip('/')}/ui/alerts/{alert_id}"


def _event(due: Due, language: Language) -> str:
    if due.to_state is not None:
        return word(f"event.{due.to_state}", language)
    return word(f"event.{due.reason}", language)


def _place(alert: dict[str, Any]) -> str:
    parts = [p for p in (alert["site_id"], alert["location"]) if p]
    return "/".join(parts) or "—"


def _headline(due: Due, language: Language) -> str:
    alert = due.alert
    severity = (
        "" if alert["severity"] != "critical" else word("severity.critical", language) + " · "
    )
    kind = word(f"kind.{alert['kind']}", language)
    return f"{severity}{_event(due, language)}: {kind} · {_place(alert)}"


def _figures(alert: dict[str, Any], language: Language) -> list[str]:
    details = alert["details"] or {}
    lines = []
    if "peak" in details:
        line = f"{word('peak', language)}: {number(details['peak'], language)}"
        low, high = details.get("min_value"), details.get("max_value")
        if low is not None or high is not None:
            span = f"{number(low, language)}\N{EN DASH}{number(high, language)}"
            line += f" · {word('range', language)}: {span}"
        lines.append(line)
    if "device_id" in details:
        lines.append(f"{word('device', language)}: {details['device_id']}")
    if "outbox_depth" in details:
        lines.append(f"{word('outbox', language)}: {details['outbox_depth']}")
    return lines


def _single(due: Due, recipient: Recipient, base_url: str) -> Message:
    language: Language = "vi" if recipient.language == "vi" else "en"
    alert = due.alert
    subject = _headline(due, language)
    lines = [
        subject,
        f"{word('alert', language)} #{alert['id']} · "
        f"{word('severity.' + alert['severity'], language)}",
    ]
    place = f"{word('place', language)}: {_place(alert)}"
    if alert["sensor"]:
        place += f" · {word('probe', language)}: {alert['sensor']}"
    lines.append(place)
    if alert["batch_ids"]:
        lines.append(
            f"{word('batches', language)}: " + ", ".join(f"#{b}" for b in alert["batch_ids"])
        )
    lines.append(
        f"{word('since', language)}: {local_time(alert['started_at'], recipient.time_zone)}"
    )
    if alert["ended_at"] is not None:
        lines.append(
            f"{word('until', language)}: {local_time(alert['ended_at'], recipient.time_zone)}"
        )
    lines.extend(_figures(alert, language))
    if due.to_state in ("active_ack", "cleared") and due.actor and due.actor != "system":
        acted = f"{_event(due, language)} {word('by', language)} {due.actor}"
        lines.append(acted + (f": {due.comment}" if due.comment else ""))
    lines.append(f"{word('open', language)}: {alert_link(base_url, alert['id'])}")
    return Message(subject, "\n".join(lines))


def compose(dues: Sequence[Due], recipient: Recipient, *, base_url: str, limit: int) -> Message:
    """The message for these deliveries: in full for one, a digest of up to `limit` for more."""
    if len(dues) == 1:
        return _single(dues[0], recipient, base_url)
    language: Language = "vi" if recipient.language == "vi" else "en"
    critical = any(d.alert["severity"] == "critical" for d in dues)
    alerts = len({d.alert["id"] for d in dues})
    subject = word("many", language).format(n=alerts) + f" · {recipient.site_id}"
    if critical:
        subject = word("severity.critical", language) + " · " + subject
    lines = [subject]
    for due in dues[:limit]:
        lines.append(f"• {_headline(due, language)} · #{due.alert['id']}")
        lines.append(f"  {alert_link(base_url, due.alert['id'])}")
    if len(dues) > limit:
        lines.append(word("more", language).format(n=len(dues) - limit))
    lines.append(f"{word('open_all', language)}: {base_url.rstrip('/')}/ui/alerts")
    return Message(subject, "\n".join(lines))
