"""Shipments derived from a unit's stays: between stays at two sites, vehicles as legs."""

from datetime import UTC, datetime, timedelta

from cloud.db.rollups_query import Span
from cloud.db.units_store import UnitStay
from cloud.reports.shipments import pick, shipments_of

T = datetime(2026, 7, 22, 1, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def test_a_journey_with_a_truck_a_return_and_one_still_in_transit():
    stays = [
        UnitStay("a", "line-1", "packing_line", h(0), h(1)),
        UnitStay("a", "dock", None, h(1), h(2)),  # unknown kind: a site stay
        UnitStay("a", "truck", "vehicle", h(2.2), h(6)),
        UnitStay("b", "dock-b", "warehouse", h(6), h(30)),
        UnitStay("b", "van", "vehicle", h(31), None),  # left b, nowhere else yet
    ]
    first, second = shipments_of("X", stays)
    assert (first.from_site, first.to_site, first.departed, first.arrived) == ("a", "b", h(2), h(6))
    assert first.legs == (Span("a", "truck", h(2.2), h(6)),)
    assert (second.from_site, second.to_site, second.departed, second.arrived) == (
        "b",
        None,
        h(30),
        None,
    )
    assert second.legs == (Span("b", "van", h(31), None),)
    assert pick([first, second], None) == second and pick([first, second], h(2)) == first
    assert pick([first, second], h(3)) is None


def test_moves_within_a_site_and_a_unit_still_at_home_are_no_shipments():
    stays = [
        UnitStay("a", "line-1", "packing_line", h(0), h(1)),
        UnitStay("a", "cold-room", "cold_room", h(1), None),
    ]
    assert shipments_of("X", stays) == []
    # A stay ended by a scan at the other site directly: a shipment without legs.
    direct = [
        UnitStay("a", "dock", "warehouse", h(0), h(1)),
        UnitStay("b", "dock", None, h(1), None),
    ]
    (only,) = shipments_of("X", direct)
    assert (only.departed, only.arrived, only.legs) == (h(1), h(1), ())
