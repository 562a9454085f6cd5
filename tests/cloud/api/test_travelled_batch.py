"""A batch that travelled through two sites: each operator sees its own part, and of the other
site only its identity and the handover (cloud/trace/site_view.py)."""

from datetime import UTC, datetime, timedelta

from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import DEVICE_A, GTIN_B, LOT_B, SITE_A, SITE_B, ingest
from tests.support.factory import message, scan_of
from tests.support.sql import query

B_ONLY = ("line-1", "pi-line-09")  # site B's place and device


def _send_b_to_a(world) -> None:
    """Batch B (packed at B three hours ago) received and stored at A an hour later."""
    start = query(world.url, "SELECT min(time) FROM events")[0][0]
    received = start + timedelta(minutes=50)
    scan = scan_of(
        7, at=received, location="cold-room-1", biz_step="receiving", gtin=GTIN_B, lot=LOT_B
    )
    database = Database(world.url, max_connections=2)
    try:
        ingest(database, [message([scan], site=SITE_A, device=DEVICE_A)], datetime.now(UTC))
        worker = DeriveWorker(database, batch_size=50)
        while worker.run_once():
            pass
    finally:
        database.close()


def test_each_operator_sees_its_part_and_the_handover(client, world):
    _send_b_to_a(world)
    full = client.get(f"/api/batches/{world.batch_b}/timeline", headers=auth(world, "admin"))
    assert {e["site"] for e in full.json()["entries"] if e["kind"] != "origin"} == {
        SITE_A,
        SITE_B,
    }
    seen = client.get(f"/api/batches/{world.batch_b}/timeline", headers=auth(world, "op-a"))
    assert seen.status_code == 200
    entries = seen.json()["entries"]
    theirs = [e for e in entries if e["site"] == SITE_B and e["kind"] != "origin"]
    assert [(e["kind"], e["biz_step"], e["location"], e["event_id"]) for e in theirs] == [
        ("event", "packing", None, None)  # the step back: when and by whom, nothing more
    ]
    ours = {(e["kind"], e["location"]) for e in entries if e["site"] == SITE_A}
    assert ("event", "cold-room-1") in ours and ("stay", "cold-room-1") in ours
    assert not any(marker in seen.text for marker in B_ONLY)  # no place, device or alert of B
    assert all(e["site"] != SITE_B for e in entries if e["kind"] in ("stay", "alert"))

    readings = client.get(f"/api/batches/{world.batch_b}/readings", headers=auth(world, "op-a"))
    assert readings.status_code == 200 and readings.json()["points"]  # A's cold room's
    assert all(x["site_id"] == SITE_A for x in readings.json()["excursions"])
    page = client.get(f"/ui/batches/{world.batch_b}", headers=auth(world, "op-a"))
    assert page.status_code == 200 and not any(marker in page.text for marker in B_ONLY)

    forward = client.get(f"/api/batches/{world.batch_b}/timeline", headers=auth(world, "op-b"))
    step = [e for e in forward.json()["entries"] if e["site"] == SITE_A]
    assert [(e["biz_step"], e["location"]) for e in step] == [("receiving", None)]
    assert "cold-room-1" not in forward.text and not forward.json()["series"]
