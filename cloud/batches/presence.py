"""Derive presence intervals (where a batch or unit was, and when) from its events, by time."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from cloud.db.rows.presence import EventFact, Interval
from contract import BizStep

# Steps after which the goods are no longer at the event's location.
CLOSING_STEPS = frozenset(
    {
        BizStep.SHIPPING,
        BizStep.DEPARTING,
        BizStep.RETAIL_SELLING,
        BizStep.DESTROYING,
        BizStep.DECOMMISSIONING,
    }
)


def _order(fact: EventFact) -> tuple[datetime, int, int, str]:
    # At equal times an arrival sorts after a departure, so "ship then receive" reads right.
    return (fact.time, 0 if fact.biz_step in CLOSING_STEPS else 1, fact.seq, str(fact.id))


def derive_intervals(facts: Iterable[EventFact]) -> list[Interval]:
    """Walk the events in event-time order.

    Any event that is not a closing step says "here, from now on" (it opens a stay, and
    implicitly closes a stay elsewhere); a closing step (shipping, departing, …) ends the
    current stay.
    """
    intervals: list[Interval] = []
    current: Interval | None = None
    for fact in sorted(facts, key=_order):
        if fact.biz_step in CLOSING_STEPS:
            if current is not None:
                intervals.append(replace(current, end=fact.time, close_event=fact.id))
                current = None
            continue
        if current is not None:
            if (current.site, current.location) == (fact.site, fact.location):
                continue
            intervals.append(replace(current, end=fact.time, close_event=fact.id))
        current = Interval(fact.site, fact.location, fact.time, fact.id)
    if current is not None:
        intervals.append(current)
    return intervals
