from datetime import UTC, datetime, timedelta
from uuid import uuid4

from cloud.batches.presence import derive_intervals
from cloud.db.rows.presence import EventFact
from contract import BizStep

T0 = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def fact(minutes: float, location: str, step: BizStep, *, site: str = "s1", seq: int = 0):
    return EventFact(T0 + timedelta(minutes=minutes), seq, uuid4(), site, location, step)


def spans(intervals):
    return [
        (
            i.location,
            (i.start - T0) / timedelta(minutes=1),
            None if i.end is None else (i.end - T0) / timedelta(minutes=1),
        )
        for i in intervals
    ]


def test_receive_store_ship():
    facts = [
        fact(0, "dock", BizStep.RECEIVING),
        fact(10, "cold-1", BizStep.STORING),
        fact(2880, "cold-1", BizStep.SHIPPING),
    ]
    assert spans(derive_intervals(facts)) == [("dock", 0, 10), ("cold-1", 10, 2880)]


def test_order_of_arrival_does_not_matter():
    facts = [
        fact(0, "packing", BizStep.PACKING),
        fact(30, "cold-1", BizStep.STORING),
        fact(60, "cold-1", BizStep.INSPECTING),
        fact(90, "cold-1", BizStep.SHIPPING),
        fact(95, "truck-7", BizStep.TRANSPORTING),
    ]
    forward = derive_intervals(facts)
    assert derive_intervals(list(reversed(facts))) == forward
    assert spans(forward) == [("packing", 0, 30), ("cold-1", 30, 90), ("truck-7", 95, None)]


def test_a_later_event_elsewhere_closes_implicitly():
    facts = [fact(0, "cold-1", BizStep.STORING), fact(45, "cold-2", BizStep.STORING)]
    intervals = derive_intervals(facts)
    assert spans(intervals) == [("cold-1", 0, 45), ("cold-2", 45, None)]
    assert intervals[0].close_event == facts[1].id


def test_same_location_on_another_site_is_another_place():
    facts = [
        fact(0, "cold-1", BizStep.STORING, site="a"),
        fact(5, "cold-1", BizStep.RECEIVING, site="b"),
    ]
    assert [(i.site, i.end is None) for i in derive_intervals(facts)] == [("a", False), ("b", True)]


def test_shipping_without_a_stay_opens_nothing():
    assert derive_intervals([fact(0, "dock", BizStep.SHIPPING)]) == []


def test_ship_and_receive_at_the_same_instant():
    facts = [
        fact(10, "b", BizStep.RECEIVING),
        fact(0, "a", BizStep.STORING),
        fact(10, "a", BizStep.SHIPPING),
    ]
    assert spans(derive_intervals(facts)) == [("a", 0, 10), ("b", 10, None)]
