"""What a notification says: topic and JSON body of one alert transition."""

import json
from datetime import datetime
from typing import Any

from cloud.db.notify_store import Outgoing

ALERT_TOPIC_PREFIX = "txng/v1/alerts"


def alert_topic(site_id: str | None, kind: str) -> str:
    """`txng/v1/alerts/{site}/{kind}`; `_` stands for an alert of no site."""
    return f"{ALERT_TOPIC_PREFIX}/{site_id or '_'}/{kind}"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def body(outgoing: Outgoing) -> bytes:
    """The JSON body: the alert (as it is now) and the transition this notification is about."""
    alert = outgoing.alert
    document = {
        "notification_id": outgoing.id,
        "alert_id": alert["id"],
        "key": alert["key"],
        "kind": alert["kind"],
        "severity": alert["severity"],
        "state": outgoing.transition["to_state"],
        "current_state": alert["state"],
        "transition": {k: _plain(v) for k, v in outgoing.transition.items()},
        "site_id": alert["site_id"],
        "location": alert["location"],
        "sensor": alert["sensor"],
        "batch_ids": list(alert["batch_ids"]),
        "started_at": _plain(alert["started_at"]),
        "ended_at": _plain(alert["ended_at"]),
        "raised_at": _plain(alert["raised_at"]),
        "details": alert["details"],
    }
    return json.dumps(document, separators=(",", ":"), default=str).encode()
