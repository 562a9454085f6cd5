"""Presence values: what presence needs of an event, and a stay at a location."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from contract import BizStep


@dataclass(frozen=True)
class EventFact:
    """What presence needs of one event."""

    time: datetime
    seq: int
    id: UUID
    site: str
    location: str
    biz_step: BizStep


@dataclass(frozen=True)
class Interval:
    """A stay at one location; `end` None means it has not ended (as far as events tell)."""

    site: str
    location: str
    start: datetime
    open_event: UUID
    end: datetime | None = None
    close_event: UUID | None = None
