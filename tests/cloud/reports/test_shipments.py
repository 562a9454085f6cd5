"""Shipments for reports: the story's shipments (one definition), with vehicle stays as legs."""

from datetime import UTC, datetime, timedelta

from cloud.db.rollups_query import Span
from cloud.db.units_store import UnitStay
from cloud.reports.shipments import pick, shipments_of
from cloud.trace.story import shipments_of as story_shipments
from cloud.trace.story_models import Step

T = datetime(2026, 7, 22, 1, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def step(biz_step: str, site: str, location: str, first: float, last: float | None = None) -> Step:
    return Step(
        biz_step=biz_step,
        site_id=site,
        site_name=None,
        location=location,
        location_name=None,
        location_kind=None,
        first_time=h(first),
        last_time=h(first if last is None else last),
        scans=1,
        serials=0,
        units=1,
        readers=[],
        conditions=None,
        alerts=[],
        handover=False,
    )


def test_a_journey_with_a_truck_a_return_and_one_still_in_transit():
    steps = [
        step("packing", "a", "line-1", 0),
        step("shipping", "a", "dock", 2),
        step("loading", "a", "truck", 2.2),  # shipped, then loaded: one shipment
        step("receiving", "b", "dock-b", 6),
        step("departing", "b", "dock-b", 30),  # left b, nowhere else yet
        step("loading", "b", "van", 31),
    ]
    stays = [
        UnitStay("a", "line-1", "packing_line", h(0), h(2)),
        UnitStay("a", "truck", "vehicle", h(2.2), h(6)),
        UnitStay("b", "dock-b", "warehouse", h(6), h(30)),
        UnitStay("b", "van", "vehicle", h(31), None),
    ]
    first, second = shipments_of("X", steps, stays)
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
    # The story shows the same two shipments (the definition is one function).
    assert [(s.site_id, s.to_site, s.first_time, s.arrived_at) for s in story_shipments(steps)] == [
        ("a", "b", h(2), h(6)),
        ("b", None, h(30), None),
    ]


def test_moves_without_a_shipping_step_are_no_shipments():
    steps = [
        step("packing", "a", "line-1", 0),
        step("storing", "a", "cold-room", 1),
        step("receiving", "b", "dock", 2),  # it turned up at b: where it left a, nobody scanned
    ]
    stays = [
        UnitStay("a", "line-1", "packing_line", h(0), h(1)),
        UnitStay("a", "cold-room", "cold_room", h(1), h(2)),
        UnitStay("b", "dock", None, h(2), None),
    ]
    assert shipments_of("X", steps, stays) == []
    # Shipped twice from one site with a stay between (a return): two shipments.
    twice = [
        step("shipping", "a", "dock", 1),
        step("receiving", "b", "dock", 2),
        step("receiving", "a", "dock-2", 3),
        step("shipping", "a", "dock-3", 4),
    ]
    assert [(s.from_site, s.to_site) for s in shipments_of("X", twice, [])] == [
        ("a", "b"),
        ("a", None),
    ]
