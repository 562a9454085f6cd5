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


@dataclass(frozen=True)
class Departure:
    """A unit something was packed into: when, at which place, and when it left that place."""

    packed_at: datetime
    site: str
    location: str
    left: datetime | None  # None: still there
    left_event: UUID | None


@dataclass(frozen=True)
class ReaderScan:
    """One packing scan of a reader: its sequence number, and the SSCC it read (None: goods)."""

    seq: int
    time: datetime
    sscc: str | None
    id: UUID
