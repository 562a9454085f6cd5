"""The adapter interface: what the forwarder hands a destination and what it gets back.

An adapter owns one far side (the national portal, an EPCIS capture endpoint). The forwarder
claims due outbox items, hands up to `max_batch` of them to `send`, and applies one `Result`
per item: accepted items are marked sent (with the far side's ids), transient ones retried
with backoff, rate-limited ones retried after the far side's Retry-After, permanent ones parked
with the far side's answer, deferred ones asked again after retry_after_s (not a failure). An
item without a result counts as transient.

Every HTTP exchange the adapter makes is recorded in the `Journal` it is given (see
`cloud.forward.http` for a helper that does this and classifies status codes).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from cloud.db.rows.forward import OutboxItem, Submission

JsonObject = Mapping[str, Any]


class Outcome(StrEnum):
    """How the far side took one item."""

    ACCEPTED = "accepted"
    TRANSIENT = "transient"  # network, timeout, 5xx, 401 after a refresh: retry with backoff
    PERMANENT = "permanent"  # the far side (or our own check) refused the data: park it
    RATE_LIMITED = "rate_limited"  # 429: retry after retry_after_s, not counted as a failure
    SKIPPED = "skipped"  # nothing for this destination to take (e.g. a step it has no stage for)
    DEFERRED = "deferred"  # not ready to send yet (e.g. a stay not over): ask again later


@dataclass(frozen=True)
class Result:
    """The outcome of one item: detail is the far side's answer (or our reason) for operators."""

    item_id: int
    outcome: Outcome
    detail: str = ""
    remote: JsonObject = field(default_factory=dict)  # far-side ids to keep (merged)
    retry_after_s: float | None = None
    missing_field: str | None = None  # permanent because our data lacks this field


class Journal(Protocol):
    """Where an adapter records every submission it makes."""

    def record(self, submission: Submission) -> None:
        """Keep one submission."""


class Adapter(Protocol):
    """One far side, safe to resend to.

    A resend of an item with the same key never creates a second record there (a client
    reference the far side dedupes on, or far-side ids kept in `Result.remote`).
    """

    destination: str
    max_batch: int

    def send(self, items: Sequence[OutboxItem], journal: Journal) -> list[Result]:
        """Deliver the items (one or more requests); return one result per item."""

    def close(self) -> None:
        """Release connections."""


class ListJournal:
    """A journal that keeps submissions in memory (the forwarder stores them afterwards)."""

    def __init__(self) -> None:
        self.submissions: list[Submission] = []

    def record(self, submission: Submission) -> None:
        """Keep one submission."""
        self.submissions.append(submission)
