"""Quarantine: what a pending device sends is held (stored, shown to operators as pending data,
not linked, forwarded or shown anywhere else) until approval releases it; rejection keeps it
only as evidence."""

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.db.forward_store import register_destination
from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from cloud.settings.api import load_api_settings
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import GTIN_A, SITE_A, ingest
from tests.cloud.coldchain.helpers import temperature
from tests.support.factory import message, scan_of
from tests.support.seed import add_batch, add_location
from tests.support.sql import query

NEW_DEVICE, ROGUE = "pi-new-01", "pi-rogue-02"
LOT, ROGUE_LOT = "LOT-Q", "LOT-R"
ROOM, ROGUE_ROOM = "cold-room-2", "cold-room-3"
HELD_SECTION = "Dữ liệu chờ duyệt"  # the devices page's section of held data (Vietnamese UI)
ROOM_NAMES = {ROOM: "Kho lạnh 2", ROGUE_ROOM: "Kho lạnh 3"}


def _derive(database: Database) -> None:
    worker = DeriveWorker(database, batch_size=50)
    for _ in range(500):
        if not worker.run_once():
            return
    raise AssertionError("derived work did not run out")


def _send(database: Database, device: str, lot: str, room: str, start: datetime) -> None:
    """A receiving scan of the lot into the room, then 90 minutes at 12 °C there (an excursion)."""
    scan = scan_of(1, at=start, location=room, biz_step="receiving", gtin=GTIN_A, lot=lot)
    readings = [
        temperature(start + timedelta(minutes=m), 12.0, seq=10 + m, location=room)
        for m in range(1, 91)
    ]
    messages = [message([scan], site=SITE_A, device=device)]
    messages += [
        message(readings[i : i + 30], site=SITE_A, device=device) for i in range(0, 90, 30)
    ]
    ingest(database, messages, datetime.now(UTC), approved=False)
    _derive(database)


def _seen(client, world, batch: int, room: str) -> dict[str, bool]:
    """Where the batch's stay in `room` shows: timeline, story, alerts, readings, consumer page."""
    headers = auth(world, "admin")
    timeline = client.get(f"/api/batches/{batch}/timeline", headers=headers)
    story = client.get(f"/api/batches/{batch}/story", headers=headers)
    alerts = client.get(f"/api/alerts?site={SITE_A}&limit=500", headers=headers)
    assert timeline.status_code == story.status_code == alerts.status_code == 200
    app = create_app(load_api_settings(database_url=world.url, api_public_cache_s=0))
    with TestClient(app) as uncached:
        public = uncached.get(f"/api/public/01/{GTIN_A}/10/{world_lot(world, batch)}")
    assert public.status_code == 200
    return {
        "timeline": any(e.get("location") == room for e in timeline.json()["entries"]),
        "story": room in story.text,
        "alerts": any(a["location"] == room for a in alerts.json()["items"]),
        "consumer": public.json()["cold_chain"] == "excursion"
        and [s["location_name"] for s in public.json()["stages"]] == [ROOM_NAMES[room]],
    }


def world_lot(world, batch: int) -> str:
    return str(query(world.url, "SELECT lot FROM batches WHERE id = %s", (batch,))[0][0])


def _outbox(world, lot: str) -> int:
    rows = query(
        world.url, "SELECT count(*) FROM forward_outbox WHERE payload->>'lot' = %s", (lot,)
    )
    return int(rows[0][0])


def test_pending_data_is_held_until_approval_releases_it(client, world):
    add_location(world.url, SITE_A, ROOM, name=ROOM_NAMES[ROOM])
    batch = add_batch(world.url, GTIN_A, LOT, site_id=SITE_A)
    database = Database(world.url, max_connections=2)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            register_destination(cur, name="portal", adapter="portal")
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
        _send(database, NEW_DEVICE, LOT, ROOM, start)

        held = {"timeline": False, "story": False, "alerts": False, "consumer": False}
        assert _seen(client, world, batch, ROOM) == held
        assert _outbox(world, LOT) == 0
        assert query(world.url, "SELECT count(*) FROM events WHERE lot = %s", (LOT,))[0][0] == 0
        listed = client.get("/api/quarantine", headers=auth(world, "op-a")).json()
        mine = [d for d in listed if d["device_id"] == NEW_DEVICE]
        assert [(d["approval"], d["scans"], d["readings"], d["evidence"]) for d in mine] == [
            ("pending", 1, 90, 0)
        ]
        items = client.get(
            f"/api/quarantine/{SITE_A}/{NEW_DEVICE}?kind=reading&limit=5",
            headers=auth(world, "op-a"),
        ).json()
        assert items["total"] == 90 and items["items"][0]["value"] == 12.0
        assert client.get("/api/quarantine", headers=auth(world, "op-b")).json() == []
        page = client.get("/ui/devices", headers=auth(world, "op-a"))
        assert page.status_code == 200 and HELD_SECTION in page.text
        assert HELD_SECTION not in client.get("/ui/devices", headers=auth(world, "op-b")).text
        other = client.get(f"/api/quarantine/{SITE_A}/{NEW_DEVICE}", headers=auth(world, "op-b"))
        assert other.status_code == 404

        approved = client.post(
            f"/api/devices/{SITE_A}/{NEW_DEVICE}/approve", headers=auth(world, "op-a")
        )
        assert approved.status_code == 200 and approved.json()["approval"] == "approved"
        _derive(database)
        shown = _seen(client, world, batch, ROOM)
        assert shown == {"timeline": True, "story": True, "alerts": True, "consumer": True}
        assert _outbox(world, LOT) == 1
        assert HELD_SECTION not in client.get("/ui/devices", headers=auth(world, "op-a")).text
        assert not [
            d
            for d in client.get("/api/quarantine", headers=auth(world, "admin")).json()
            if d["device_id"] == NEW_DEVICE
        ]
        counts = query(
            world.url,
            "SELECT (SELECT count(*) FROM quarantine_events), "
            "(SELECT count(*) FROM quarantine_readings), (SELECT count(*) FROM quarantine_work), "
            "(SELECT count(*) FROM quarantine_outbox)",
        )
        assert counts == [(0, 0, 0, 0)]

        # Approved now: what it sends next goes straight in.
        later = start + timedelta(minutes=100)
        _send(database, NEW_DEVICE, LOT, ROOM, later)
        assert query(world.url, "SELECT count(*) FROM events WHERE lot = %s", (LOT,))[0][0] == 2
    finally:
        database.close()


def test_rejected_data_stays_out_as_evidence(client, world):
    add_location(world.url, SITE_A, ROGUE_ROOM, name=ROOM_NAMES[ROGUE_ROOM])
    batch = add_batch(world.url, GTIN_A, ROGUE_LOT, site_id=SITE_A)
    database = Database(world.url, max_connections=2)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            register_destination(cur, name="portal", adapter="portal")
        start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=2)
        _send(database, ROGUE, ROGUE_LOT, ROGUE_ROOM, start)
        rejected = client.post(f"/api/devices/{SITE_A}/{ROGUE}/reject", headers=auth(world, "op-a"))
        assert rejected.status_code == 200 and rejected.json()["approval"] == "rejected"
        listed = client.get("/api/quarantine", headers=auth(world, "admin")).json()
        assert [(d["approval"], d["scans"], d["readings"], d["evidence"]) for d in listed] == [
            ("rejected", 0, 0, 91)
        ]
        items = client.get(f"/api/quarantine/{SITE_A}/{ROGUE}", headers=auth(world, "admin"))
        assert items.json()["items"][0]["rejected_at"] is not None

        # Even approved later, what it sent while pending is never released.
        again = client.post(f"/api/devices/{SITE_A}/{ROGUE}/approve", headers=auth(world, "admin"))
        assert again.status_code == 200
        _derive(database)
        nothing = {"timeline": False, "story": False, "alerts": False, "consumer": False}
        assert _seen(client, world, batch, ROGUE_ROOM) == nothing
        assert _outbox(world, ROGUE_LOT) == 0
        evidence = query(
            world.url, "SELECT count(*) FROM quarantine_readings WHERE rejected_at IS NOT NULL"
        )
        assert evidence == [(90,)]
    finally:
        database.close()
