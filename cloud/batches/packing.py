"""Packing in presence: what a pallet holds of other units, and stays that end when units leave.

A batch or unit packed into a logistic unit is, from then on, where that unit is (the
`batch_presence` view adds the unit's stays). Its own stay at the packing place therefore ends
when the units it was packed into there have left that place: not at the first packing (the
rest of the batch is still on the line) and not never (no later scan of the batch itself
says it left). A case packed into a pallet is a unit like any other: its stay at the line
ends when the pallet leaves.
"""

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from cloud.db.rows.presence import Departure, EventFact, Interval, ReaderScan


def _within(at: datetime, stay: Interval) -> bool:
    return stay.start <= at and (stay.end is None or at < stay.end)


def leave_with_units(
    intervals: Sequence[Interval], facts: Sequence[EventFact], departures: Sequence[Departure]
) -> list[Interval]:
    """The stays, each ended when the units packed into during it have all left its place.

    A stay keeps its end when a unit packed during it is still there, or when the goods were
    scanned there after the last unit left (some of them stayed).
    """
    ended = []
    for stay in intervals:
        place = (stay.site, stay.location)
        packed = [
            d for d in departures if (d.site, d.location) == place and _within(d.packed_at, stay)
        ]
        if not packed or any(d.left is None for d in packed):
            ended.append(stay)
            continue
        last = max(packed, key=lambda d: (d.left, str(d.left_event)))
        assert last.left is not None
        seen = [f.time for f in facts if (f.site, f.location) == place and _within(f.time, stay)]
        if (seen and max(seen) > last.left) or (stay.end is not None and stay.end <= last.left):
            ended.append(stay)
            continue
        ended.append(replace(stay, end=last.left, close_event=last.left_event))
    return ended


def units_packed_into(before: Sequence[ReaderScan], parent: str) -> tuple[list[ReaderScan], bool]:
    """The unit scans that a reader's scan of `parent` closes, and whether `before` sufficed.

    Convention of a packing line, one level above the goods' (cloud/db/presence_store.py): a
    unit scanned right after another unit (no goods scanned between) is a pallet, and holds
    the units scanned since the previous pallet. `before`: the reader's packing scans before
    the parent's, newest first; not sufficed: the walk reached its end without finding the
    previous pallet (more scans before may hold more of its units).
    """
    if not before or before[0].sscc is None:
        return [], True  # goods right before: the parent holds goods, not units
    children: list[ReaderScan] = []
    for i, scan in enumerate(before):
        if scan.sscc is None:
            continue
        previous = before[i + 1] if i + 1 < len(before) else None
        if previous is not None and previous.sscc is not None and children:
            return children, True  # a unit right after a unit, not the first: the last pallet
        if scan.sscc != parent:
            children.append(scan)
    return children, False
