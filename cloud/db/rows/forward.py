"""Forwarding values: an outbox item as an adapter gets it, and one submission to a far side."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

JsonObject = Mapping[str, Any]


@dataclass(frozen=True)
class OutboxItem:
    """One queued thing to deliver, as the forwarder hands it to an adapter.

    `kind` says what it describes (e.g. "event"); `key` is its idempotency key and client
    reference on the far side (stable across resends); `payload` is what was queued with it
    (for an event: its id, time and the identifiers known at ingest); `remote` holds the far
    side's ids stored by earlier partial attempts; `queued_at` when it was queued.
    """

    id: int
    destination: str
    kind: str
    key: str
    payload: JsonObject
    attempts: int = 0
    remote: JsonObject = field(default_factory=dict)
    queued_at: datetime | None = None


@dataclass(frozen=True)
class Submission:
    """One request to a far side and its answer (status None: no answer, see error)."""

    destination: str
    method: str
    url: str
    started_at: datetime
    duration_s: float
    status: int | None
    request_excerpt: str = ""
    response_excerpt: str = ""
    error: str | None = None
    item_ids: tuple[int, ...] = ()
