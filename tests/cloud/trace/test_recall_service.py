"""Recall across three sites and a transformation, forward and backward, whole or seen from one."""

import pytest

from cloud.trace.recall_models import RecallStart
from cloud.trace.recall_service import RecallNotFound, recall
from tests.cloud.trace.story_world import (
    AT_DISTRIBUTOR,
    AT_SHOP,
    DISTRIBUTOR,
    DRIED,
    DRIED_LOT,
    FARM,
    FRESH,
    FRESH_LOT,
    LOADED,
    PALLET,
    SERIALS,
    SHOP,
    TO_SHOP,
)

COMMISSIONED = 96  # bags of dried longan in items.csv
FROM_FRESH = RecallStart(kind="batch", gtin=FRESH, lot=FRESH_LOT)


def test_forward_from_the_fresh_longan_across_the_drying_and_three_sites(cur):
    found = recall(cur, FROM_FRESH)
    assert found.scope == "all"
    assert [(b.lot, b.direction, b.hop, b.serials) for b in found.batches] == [
        (FRESH_LOT, "start", 0, 0),
        (DRIED_LOT, "forward", 1, COMMISSIONED),
    ]
    assert [(u.sscc, u.direction, u.site_id) for u in found.units] == [(PALLET, "forward", FARM)]
    assert [(s.site_id, s.location, s.to_site, s.arrived_at) for s in found.shipments] == [
        (FARM, "truck-29c12345", DISTRIBUTOR, AT_DISTRIBUTOR),
        (DISTRIBUTOR, "warehouse-1", SHOP, AT_SHOP),
    ]
    assert [(r.site_id, r.site_name) for r in found.receivers] == [
        (DISTRIBUTOR, "Công ty Phân phối Nông sản Long Biên (example)"),
        (SHOP, "Cửa hàng OCOP Hà Nội (example)"),
    ]
    places = {(p.site_id, p.location, p.direction) for p in found.places}
    assert {
        (FARM, "orchard-a", "start"),
        (FARM, "cold-room-1", "forward"),
        (DISTRIBUTOR, "warehouse-1", "forward"),
        (SHOP, "shop-1", "forward"),
    } <= places
    cold = next(p for p in found.places if p.location == "cold-room-1")
    assert (cold.location_name, cold.last_time) == ("Kho lạnh 1 (cold room)", LOADED)


@pytest.mark.parametrize(
    "start",
    [
        RecallStart(kind="serial", gtin=DRIED, serial=SERIALS[2]),
        RecallStart(kind="sscc", sscc=PALLET),
        RecallStart(kind="batch", gtin=DRIED, lot=DRIED_LOT),
    ],
)
def test_backward_from_a_serial_a_pallet_or_the_batch(cur, start):
    found = recall(cur, start)
    assert [(b.lot, b.direction, b.hop) for b in found.batches] == [
        (DRIED_LOT, "start", 0),
        (FRESH_LOT, "backward", 1),
    ]
    assert (FARM, "orchard-a", "backward") in {
        (p.site_id, p.location, p.direction) for p in found.places
    }
    assert [r.site_id for r in found.receivers] == [DISTRIBUTOR, SHOP]


def test_seen_from_the_distributor_one_step_back_and_one_forward(cur):
    found = recall(cur, FROM_FRESH, site=DISTRIBUTOR)
    assert found.scope == "site"
    assert [(b.lot, b.serials) for b in found.batches] == [
        (FRESH_LOT, None),
        (DRIED_LOT, COMMISSIONED),
    ]
    assert found.units == []
    assert [(s.site_id, s.location, s.to_site, s.first_time) for s in found.shipments] == [
        (FARM, None, DISTRIBUTOR, LOADED),
        (DISTRIBUTOR, "warehouse-1", SHOP, TO_SHOP),
    ]
    assert [r.site_id for r in found.receivers] == [SHOP]
    assert {p.site_id for p in found.places} == {DISTRIBUTOR}


def test_seen_from_the_farm_its_customer_but_not_the_shop(cur):
    found = recall(cur, FROM_FRESH, site=FARM)
    assert [(s.site_id, s.to_site) for s in found.shipments] == [(FARM, DISTRIBUTOR)]
    assert [r.site_id for r in found.receivers] == [DISTRIBUTOR]
    assert {p.site_id for p in found.places} == {FARM}
    assert [u.sscc for u in found.units] == [PALLET]


def test_an_unknown_start_is_not_found(cur):
    with pytest.raises(RecallNotFound):
        recall(cur, RecallStart(kind="sscc", sscc="000000000000000000"))
    with pytest.raises(RecallNotFound):
        recall(cur, RecallStart(kind="serial", gtin=DRIED, serial="NOPE"))


def test_a_site_with_no_part_in_it_gets_nothing(cur):
    with pytest.raises(RecallNotFound):
        recall(cur, FROM_FRESH, site="dl-coffee")
