"""A batch's story: steps with conditions and alerts inline, links each way, seen from one site."""

import asyncio

import pytest

from cloud.db import batch_steps_store, batches_store
from cloud.db.async_reads import AsyncReads
from cloud.db.batch_steps_store import StepKey
from cloud.trace.journey import Stage, journey, page_journey
from cloud.trace.story import BadCursor, batch_story, public_story, step_events, verdicts_of
from tests.cloud.trace.story_world import (
    AT_DISTRIBUTOR,
    AT_SHOP,
    DISTRIBUTOR,
    DOOR_OPEN,
    DRIED,
    DRIED_LOT,
    FARM,
    FRESH,
    FRESH_LOT,
    LOADED,
    PACKED,
    PALLET,
    SERIALS,
    SHOP,
    SOLD,
)


def test_each_step_at_each_place_is_one_row_in_the_order_it_began(world, cur):
    story = batch_story(cur, world.dried)
    assert story is not None and story.scope == "all"
    rows = [(s.biz_step, s.site_id, s.location, s.scans, s.serials, s.units) for s in story.steps]
    assert rows == [
        ("packing", FARM, "packing-line-1", 31, 30, 1),
        ("storing", FARM, "cold-room-1", 1, 0, 1),
        ("shipping", FARM, "truck-29c12345", 1, 0, 1),
        ("receiving", DISTRIBUTOR, "warehouse-1", 1, 0, 1),
        ("shipping", DISTRIBUTOR, "warehouse-1", 1, 0, 1),
        ("receiving", SHOP, "shop-1", 4, 4, 0),
        ("retail_selling", SHOP, "shop-1", 1, 1, 0),
    ]
    packing = story.steps[0]
    assert packing.first_time == PACKED and packing.readers == ["pi-packing/scanner-1"]
    assert (packing.site_name, packing.location_kind) == (
        "HTX Nhãn lồng Hồng Nam (example)",
        "packing_line",
    )
    assert story.origin.origin_code == "HY-VT-0042" and story.origin.ocop_stars == 4


def test_the_cold_room_row_carries_its_readings_excursion_and_alert(world, cur):
    story = batch_story(cur, world.dried)
    assert story is not None
    cold = story.steps[1]
    assert cold.conditions is not None
    assert (cold.conditions.start, cold.conditions.end) == (cold.first_time, LOADED)
    assert (cold.conditions.min, cold.conditions.max) == (4.0, 12.0)
    assert cold.conditions.readings == 2 * 24 * 6
    assert cold.conditions.mkt is not None and 4.0 < cold.conditions.mkt < 12.0
    assert cold.conditions.out_of_range_s == pytest.approx(90 * 60, abs=600)
    assert [(a.kind, a.location) for a in cold.alerts] == [("excursion_high", "cold-room-1")]
    assert cold.alerts[0].started_at >= DOOR_OPEN
    # Places without readings: a summary of none; the second row at a place has none at all.
    assert story.steps[3].conditions is not None and story.steps[3].conditions.readings == 0
    assert story.steps[4].conditions is None and story.steps[4].alerts == []
    assert all(a.location != "cold-room-1" for a in story.alerts)


def test_one_step_back_and_forward(world, cur):
    story = batch_story(cur, world.dried)
    assert story is not None
    assert [(b.lot, b.product_name) for b in story.back.inputs] == [
        (FRESH_LOT, "Nhãn lồng Hưng Yên tươi (fresh longan)")
    ]
    assert [(u.sscc, u.site) for u in story.forward.units] == [(PALLET, FARM)]
    shipments = [(s.site_id, s.location, s.to_site, s.arrived_at) for s in story.forward.shipments]
    assert shipments == [
        (FARM, "truck-29c12345", DISTRIBUTOR, AT_DISTRIBUTOR),
        (DISTRIBUTOR, "warehouse-1", SHOP, AT_SHOP),
    ]
    assert [(r.site_id, r.biz_step) for r in story.forward.receivers] == [
        (DISTRIBUTOR, "receiving"),
        (SHOP, "receiving"),
    ]
    fresh = batch_story(cur, world.fresh)
    assert fresh is not None
    assert [(b.gtin, b.id) for b in fresh.forward.outputs] == [(DRIED, world.dried)]
    assert [s.biz_step for s in fresh.steps] == ["commissioning", "receiving"]


@pytest.mark.parametrize(
    ("gtin", "lot", "batch"), [(DRIED, DRIED_LOT, "dried"), (FRESH, FRESH_LOT, "fresh")]
)
def test_the_consumer_page_reads_the_full_storys_facts_less_what_it_never_shows(
    world, cur, gtin, lot, batch
):
    reads = AsyncReads(world.url, max_connections=1)
    try:
        found = asyncio.run(batches_store.consumer_page(reads, gtin=gtin, lot=lot))
    finally:
        reads.close()
    full = batch_steps_store.story_facts(cur, getattr(world, batch))
    assert found is not None and full is not None
    row, facts = found
    assert row["id"] == getattr(world, batch) and facts.steps  # not vacuous: it has steps
    assert (facts.steps, facts.inputs, facts.out_of_range) == (
        full.steps,
        full.inputs,
        full.out_of_range,
    )
    assert facts.monitored == full.monitored
    assert (facts.alerts, facts.outputs, facts.units, facts.captured) == ([], [], [], [])
    story, verdicts = public_story(facts)
    full_story, full_verdicts = public_story(full)
    assert verdicts == full_verdicts
    assert (story.batch, story.origin, story.back) == (
        full_story.batch,
        full_story.origin,
        full_story.back,
    )
    # The steps less their alerts (a consumer's stages and journey show none).
    assert story.steps == [s.model_copy(update={"alerts": []}) for s in full_story.steps]
    names = {"site_name": row["site_name"], "origin_name": row["origin_name"]}
    full_journey = journey(full_story, full_verdicts, **names)
    assert journey(story, verdicts, **names) == full_journey and full_journey
    # The page's journey, straight from the rows as read (no story models).
    stages = page_journey(facts.steps, facts.inputs, verdicts_of(facts), batch=row)
    assert stages == [Stage(**j.model_dump()) for j in full_journey]


def test_seen_from_the_distributor_other_sites_are_handovers(world, cur):
    story = batch_story(cur, world.dried, site=DISTRIBUTOR)
    assert story is not None and story.scope == "site"
    rows = [(s.biz_step, s.site_id, s.handover) for s in story.steps]
    assert rows == [
        ("shipping", FARM, True),
        ("receiving", DISTRIBUTOR, False),
        ("shipping", DISTRIBUTOR, False),
        ("receiving", SHOP, True),
    ]
    farm, shop = story.steps[0], story.steps[-1]
    assert (farm.first_time, shop.first_time) == (LOADED, AT_SHOP)
    for other in (farm, shop):
        assert (other.location, other.scans, other.readers, other.conditions) == (
            None,
            None,
            [],
            None,
        )
    assert story.forward.units == [] and story.alerts == []
    assert all(not s.alerts for s in story.steps)
    assert [r.site_id for r in story.forward.receivers] == [DISTRIBUTOR, SHOP]


def test_seen_from_a_site_it_never_reached_nothing_shows(world, cur):
    story = batch_story(cur, world.dried, site="dl-coffee")
    assert story is not None and story.steps == [] and story.forward.shipments == []


def test_a_step_expands_to_its_scans_page_by_page(world, cur):
    packing = StepKey("packing", FARM, "packing-line-1")
    first = step_events(cur, world.dried, packing, after=None, limit=5)
    assert len(first.items) == 5 and first.next is not None
    assert [e.serial for e in first.items] == SERIALS[:5]
    seen = list(first.items)
    page = first
    while page.next is not None:
        page = step_events(cur, world.dried, packing, after=page.next, limit=5)
        seen += page.items
    assert len(seen) == 31 and len({e.id for e in seen}) == 31
    assert seen[-1].sscc == PALLET and seen[-1].via == PALLET
    assert [e.time for e in seen] == sorted(e.time for e in seen)
    sold = step_events(
        cur, world.dried, StepKey("retail_selling", SHOP, "shop-1"), after=None, limit=5
    )
    assert [(e.serial, e.time, e.reader) for e in sold.items] == [(SERIALS[0], SOLD, "pos-1")]
    with pytest.raises(BadCursor):
        step_events(cur, world.dried, packing, after="2026-08-01|not-a-uuid", limit=5)


def test_an_unknown_batch_has_no_story(cur):
    assert batch_story(cur, 10**9) is None


def test_the_consumer_pages_of_several_batches_are_each_ones_own(world):
    keys = [(DRIED, DRIED_LOT), (FRESH, FRESH_LOT), (DRIED, "NO-SUCH-LOT"), (FRESH, DRIED_LOT)]
    reads = AsyncReads(world.url, max_connections=1)

    async def read() -> tuple[dict, list]:
        many = await batches_store.consumer_pages(reads, keys)
        ones = [await batches_store.consumer_page(reads, gtin=g, lot=lot) for g, lot in keys]
        return many, ones

    try:
        many, ones = asyncio.run(read())
    finally:
        reads.close()
    assert ones[0] is not None and ones[1] is not None and ones[2:] == [None, None]
    assert many == {keys[0]: ones[0], keys[1]: ones[1]}
