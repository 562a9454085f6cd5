"""The portal sees the whole story: every object the example master data calls for, in order."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cloud.db.forward_store import register_destination
from cloud.db.pool import Database
from cloud.forward.forwarder import Forwarder
from cloud.masterdata.service import import_file
from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer
from tests.cloud.forward import helpers as h
from tests.support.factory import scan_of

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "master_data"
KINDS = ("profiles", "groups", "products", "sites", "locations", "batches", "items")
FRESH, DRIED = ("08936012345001", "NL2026-07-A"), ("08936012345018", "LN2026-08-01")
START = datetime(2026, 7, 20, 0, 0, tzinfo=UTC)
# (site, location, step, batch, hours after START): one scan of each step of the story
STORY = [
    ("hy-longan", "orchard-a", "commissioning", FRESH, 0),
    ("hy-longan", "drying-1", "receiving", FRESH, 3),
    ("hy-longan", "drying-1", "commissioning", DRIED, 130),
    ("hy-longan", "packing-line-1", "packing", DRIED, 290),
    ("hy-longan", "cold-room-1", "storing", DRIED, 291),
    ("hy-longan", "truck-29c12345", "loading", DRIED, 358),
    ("hn-distributor", "warehouse-1", "receiving", DRIED, 360),
    ("hn-shop", "shop-1", "receiving", DRIED, 386),
    ("hn-shop", "shop-1", "retail_selling", DRIED, 387),
]


def _number(record_id: str) -> int:
    return int(re.sub(r"\D", "", record_id))


def test_the_story_reaches_the_portal_as_all_its_objects_in_order(database_url: str) -> None:
    database = Database(database_url, max_connections=4)
    for kind in (*KINDS, "certificates", "photos"):
        import_file(database, kind, EXAMPLES / f"{kind}.csv")
    with database.transaction() as conn, conn.cursor() as cur:
        register_destination(cur, name=h.DESTINATION, adapter="portal")
    scans = {}
    for seq, (site, location, step, (gtin, lot), hours) in enumerate(STORY):
        at = START + timedelta(hours=hours)
        scans[site] = [*scans.get(site, []), scan_of(seq, at=at, location=location,
                                                     biz_step=step, gtin=gtin, lot=lot)]
    for site, events in scans.items():
        h.queue(database_url, events, site=site)
    with SimServer(Faults(seed=1)) as sim:
        adapter = h.adapter(database, sim.url)
        forwarder = Forwarder(database, adapter)
        for _ in range(20):
            if forwarder.run_once() == 0:
                break
        adapter.close()
    database.close()
    assert h.states(database_url) == {"sent": len(STORY)}
    records = sim.state.records
    for kind in records.every:  # one confirmed record per reference
        assert set(records.confirmed_by_reference(kind).values()) == {1}, kind
    kinds = {kind: len(found) for kind, found in records.by_kind.items()}
    assert kinds == {
        "product": 2,
        "growing_area": 1,  # HY-VT-0042, the orchard's code: both batches come from it
        "order": 2,
        "chain": 2,
        "location": 7,
        "event": len(STORY) + 3,  # the stage events and 3 certifications
        "image": 3,  # the harvest, drying and packing photos
    }
    area = next(iter(records.by_kind["growing_area"].values())).body
    assert area["maVungTrong"] == "HY-VT-0042"
    assert area["tenVungTrong"] == "Vườn nhãn A (longan orchard)"
    events = list(records.by_kind["event"].values())
    stages = {e.body["loaiSuKien"] for e in events}
    assert stages == {"SU_KIEN_VUNG_TRONG", "CHE_BIEN", "KHO_TONG", "VAN_CHUYEN", "DAI_LY",
                      "CUA_HANG", "CHUNG_NHAN"}
    certificates = sorted(
        (e.body["maTruyXuatSanPham"], e.body["chungNhan"]["loaiChungNhan"])
        for e in events if e.body["loaiSuKien"] == "CHUNG_NHAN"
    )
    assert certificates == [
        ("(01)08936012345001(10)NL2026-07-A", "VietGAP"),
        ("(01)08936012345018(10)LN2026-08-01", "OCOP 4 sao"),
        ("(01)08936012345018(10)LN2026-08-01", "VietGAP"),
    ]
    dealer = next(e.body for e in events if e.body["loaiSuKien"] == "DAI_LY")
    assert dealer["tenToChuc"].startswith("Công ty Phân phối Nông sản Long Biên")
    # the portal's order: what an object names was created (and confirmed) before it
    order = {r.id: _number(r.id) for found in records.by_kind.values() for r in found.values()}
    locations = {r.body["maTruyXuatDiaDiem"]: r.id for r in records.by_kind["location"].values()}
    for event in events:
        body = event.body
        assert order[body["lenhSanXuatId"]] < order[body["maTruyXuat"]] < order[event.id]
        if body["loaiSuKien"] != "CHUNG_NHAN":
            assert order[locations[body["maTruyXuatDiaDiem"]]] < order[event.id]
    areas = {r.body["maVungTrong"]: r.id for r in records.by_kind["growing_area"].values()}
    for production in records.by_kind["order"].values():
        assert order[areas[production.body["maVungTrong"]]] < order[production.id]
    for image in records.by_kind["image"].values():
        assert order[image.body["suKienId"]] < order[image.id]
