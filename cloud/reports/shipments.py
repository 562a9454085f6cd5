"""A logistic unit's shipments for reports: the story's shipments, with their legs.

What a shipment is, is defined once (`cloud.trace.story.shipments_of`): a shipping step
(shipping, departing, loading; consecutive ones of one site are one shipment) at site A, to
the next site B scanned after it. For a report it begins at the first shipping scan and ends
at the first scan at B (none yet: in transit); its legs are the unit's stays at vehicle
locations (kind `vehicle` in master data) within that time.

Readings cover a shipment only where the unit was scanned onto a vehicle that has a probe
(a `loading` scan at the vehicle's location); time without a known place has no readings.
A shipment is named by its unit and the time it departed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.db import units_store
from cloud.db.rollups_query import Span
from cloud.db.units_store import UnitStay
from cloud.trace.story import shipments_of as story_shipments
from cloud.trace.story_models import Step
from cloud.trace.unit_story import unit_steps

VEHICLE = "vehicle"


@dataclass(frozen=True)
class Shipment:
    """A unit's journey from one site to another (to_site None: still in transit)."""

    sscc: str
    from_site: str
    to_site: str | None
    departed: datetime
    arrived: datetime | None
    legs: tuple[Span, ...]


def _legs(stays: Sequence[UnitStay], departed: datetime, arrived: datetime | None) -> list[Span]:
    legs = []
    for stay in stays:
        if stay.kind != VEHICLE:
            continue
        start = max(stay.start, departed)
        ends = [t for t in (stay.end, arrived) if t is not None]
        end = min(ends) if ends else None
        if end is None or start < end:
            legs.append(Span(stay.site_id, stay.location, start, end))
    return legs


def shipments_of(sscc: str, steps: Sequence[Step], stays: Sequence[UnitStay]) -> list[Shipment]:
    """The unit's shipments in time order, from its steps (in the order they began) and stays."""
    found = []
    for shipped in story_shipments(steps):
        departed, arrived = shipped.first_time, shipped.arrived_at
        legs = (*_legs(stays, departed, arrived),)
        found.append(Shipment(sscc, shipped.site_id, shipped.to_site, departed, arrived, legs))
    return found


def pick(shipments: Sequence[Shipment], departed: datetime | None) -> Shipment | None:
    """The shipment that departed at `departed`, or the latest one (None: none)."""
    if departed is None:
        return shipments[-1] if shipments else None
    return next((s for s in shipments if s.departed == departed), None)


def unit_shipments(cur: Cursor, sscc: str) -> list[Shipment]:
    """The unit's shipments, oldest first (none: an unknown unit, or one that never left)."""
    return shipments_of(sscc, unit_steps(cur, sscc), units_store.unit_stays(cur, sscc))
