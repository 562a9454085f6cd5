"""Shipments of a logistic unit, derived from its stays (there is no shipment record).

What the events tell: a unit (SSCC) is at a location from one scan to the next scan elsewhere
or a closing step there (`shipping`, `departing`, …). Events carry no destination (no EPCIS
destination list is stored) and no shipment or consignment id, so a shipment is derived:

- a *site stay* is a stay at a location that is not a vehicle (kind `vehicle` in master data);
- a shipment is the time between two consecutive site stays at different sites A and B: it
  begins when the stay at A ended (the shipping scan, normally) and ends when the stay at B
  began (the receiving scan); its legs are the unit's stays at vehicles within that time;
- after the last site stay has ended, with no site stay since, the unit is in transit: a
  shipment from A with no destination yet.

Readings cover a shipment only where the unit was scanned onto a vehicle that has a probe
(a `loading` scan at the vehicle's location); time without a known place has no readings.
A shipment is named by its unit and the time it departed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise

from cloud.db.rollups_query import Span
from cloud.db.units_store import UnitStay

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


def shipments_of(sscc: str, stays: Sequence[UnitStay]) -> list[Shipment]:
    """The unit's shipments in time order (its stays in time order)."""
    sites = [s for s in stays if s.kind != VEHICLE]
    found = []
    for here, there in pairwise(sites):
        if here.site_id != there.site_id and here.end is not None:
            legs = (*_legs(stays, here.end, there.start),)
            found.append(Shipment(sscc, here.site_id, there.site_id, here.end, there.start, legs))
    last = sites[-1] if sites else None
    if last is not None and last.end is not None:
        legs = (*_legs(stays, last.end, None),)
        found.append(Shipment(sscc, last.site_id, None, last.end, None, legs))
    return found


def pick(shipments: Sequence[Shipment], departed: datetime | None) -> Shipment | None:
    """The shipment that departed at `departed`, or the latest one (None: none)."""
    if departed is None:
        return shipments[-1] if shipments else None
    return next((s for s in shipments if s.departed == departed), None)
