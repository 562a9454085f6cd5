"""The portal adapter against the simulator: objects created once, fields named when missing."""

import time

import httpx

from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.portal_sim.server import SimServer
from tests.cloud.forward import helpers as h
from tests.support.sql import query, scalar


def drain(forwarder: Forwarder, rounds: int = 200) -> None:
    for _ in range(rounds):
        if forwarder.run_once() == 0:
            return


def test_events_become_product_order_chain_and_confirmed_stage_events(
    seeded_url: str, sim: SimServer
) -> None:
    events = h.lot_events(h.GOOD, "L1", 8) + h.lot_events(h.GOOD, "L2", 4, start_seq=100)
    h.queue(seeded_url, events)
    database = Database(seeded_url, max_connections=4)
    try:
        adapter = h.adapter(database, sim.url)
        drain(Forwarder(database, adapter, backoff=Backoff(0.01, 0.05)))
        adapter.close()
    finally:
        database.close()
    assert h.states(seeded_url) == {"sent": 12}
    summary = sim.state.records.summary()
    assert summary["product"]["records"] == 1
    assert summary["order"]["records"] == 2
    assert summary["chain"]["records"] == 2
    assert summary["event"] == {
        "records": 12,
        "confirmed": 12,
        "created": 12,
        "deduped": 0,
        "references": 12,
        "unconfirmed": 0,
        "confirmed_twice": 0,
    }
    stages = [r.body["loaiSuKien"] for r in sim.state.records.by_kind["event"].values()]
    assert set(stages) == {"SU_KIEN_VUNG_TRONG", "CHE_BIEN", "KHO_TONG", "VAN_CHUYEN"}
    chain_ids = {r.id for r in sim.state.records.by_kind["chain"].values()}
    assert {r.body["maTruyXuat"] for r in sim.state.records.by_kind["event"].values()} == chain_ids
    references = {r.reference for r in sim.state.records.by_kind["event"].values()}
    assert references == {str(e.id) for e in events}
    # every request and answer was recorded (token, creates, confirms, bulk)
    assert scalar(seeded_url, "SELECT count(*) FROM forward_submissions WHERE status = 200") >= 9


def test_missing_data_is_parked_naming_the_field(seeded_url: str, sim: SimServer) -> None:
    cases = {
        h.NO_IMAGE: "image_url",
        h.NO_WEIGHT: "net_content",
        h.BAD_CHECK_DIGIT: "gtin",
    }
    events = {gtin: h.lot_events(gtin, "X", 1)[0] for gtin in cases}
    unit_only = h.scan_of(
        99, at=h.START, location="cold-room-1", biz_step="storing", sscc="389360123400000017"
    )
    h.queue(seeded_url, [*events.values(), unit_only])
    database = Database(seeded_url, max_connections=4)
    try:
        adapter = h.adapter(database, sim.url)
        drain(Forwarder(database, adapter))
        adapter.close()
    finally:
        database.close()
    parked = h.parked(seeded_url)
    for gtin, field in cases.items():
        missing, error = parked[str(events[gtin].id)]
        assert missing == field
        assert field in (error or "")
    assert parked[str(unit_only.id)][0] == "batch"
    # nothing was sent for them: our checks run before any request
    assert "product" not in sim.state.records.by_kind


def test_far_side_refusal_is_parked_with_its_answer(seeded_url: str, sim: SimServer) -> None:
    event = h.lot_events(h.UNKNOWN_GROUP, "H1", 1)[0]
    h.queue(seeded_url, [event])
    database = Database(seeded_url, max_connections=4)
    try:
        adapter = h.adapter(database, sim.url)
        drain(Forwarder(database, adapter))
        adapter.close()
    finally:
        database.close()
    missing, error = h.parked(seeded_url)[str(event.id)]
    assert missing is None
    assert "ERR_DANH_MUC" in (error or "") and "nhomSanPham" in (error or "")
    rows = query(
        seeded_url, "SELECT status, response_excerpt FROM forward_submissions WHERE status = 400"
    )
    assert rows and "ERR_DANH_MUC" in rows[0][1]
    assert scalar(seeded_url, "SELECT attempts FROM forward_outbox") == 1  # no retries


def test_token_refreshed_before_expiry_and_after_401(seeded_url: str, sim: SimServer) -> None:
    httpx.post(f"{sim.url}/_admin/faults", json={"token_ttl_s": 1.0})
    database = Database(seeded_url, max_connections=4)
    try:
        adapter = h.adapter(
            database,
            sim.url,
            token={"refresh_margin_s": 0.7},
            paths={"event_bulk": None, "confirm_bulk": None},
        )
        forwarder = Forwarder(database, adapter)
        for n in range(3):
            h.queue(seeded_url, h.lot_events(h.GOOD, f"T{n}", 2, start_seq=10 * n))
            drain(forwarder)
            time.sleep(0.5)
        assert sim.state.statuses.get("401", 0) == 0  # refreshed before expiry, never late
        fetched = adapter.tokens.fetched
        httpx.post(f"{sim.url}/_admin/faults", json={"token_ttl_s": 300})
        time.sleep(1.0)  # the short-lived token is gone: the next send fetches a long one
        h.queue(seeded_url, h.lot_events(h.GOOD, "T8", 2, start_seq=80))
        drain(forwarder)
        h.queue(seeded_url, h.lot_events(h.GOOD, "T9", 2, start_seq=90))
        httpx.post(f"{sim.url}/_admin/expire-tokens")
        drain(forwarder)
        adapter.close()
    finally:
        database.close()
    assert fetched >= 2
    assert sim.state.statuses.get("401", 0) >= 1
    assert h.states(seeded_url) == {"sent": 10}
