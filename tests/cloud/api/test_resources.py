"""Every resource route: lists with filters and paging, one row, 404 and 422."""

import json

import pytest

from cloud.db.pool import Database
from cloud.trace.timeline import Timeline, batch_timeline
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import GTIN_A, GTIN_B, LOT_A, SITE_A, SITE_B
from tests.support.sql import query


def test_products_list_filter_and_one(client, world):
    headers = auth(world, "inspector")
    page = client.get("/api/products?limit=1", headers=headers).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["limit"] == 1
    found = client.get("/api/products?q=nhãn", headers=headers).json()["items"]
    assert [p["gtin"] for p in found] == [GTIN_A]
    one = client.get(f"/api/products/{GTIN_A[1:]}", headers=headers).json()
    assert one["ocop_stars"] == 4 and one["profile_id"] == "chill"
    missing = client.get("/api/products/08935000000999", headers=headers)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    bad = client.get("/api/products/abc", headers=headers)
    assert bad.status_code == 422 and bad.json()["error"]["details"]


def test_batches_search(client, world):
    headers = auth(world, "admin")

    def lots(query):
        return [
            b["lot"] for b in client.get(f"/api/batches?{query}", headers=headers).json()["items"]
        ]

    assert lots(f"gtin={GTIN_A}") == [LOT_A]
    assert lots(f"gtin={GTIN_B[1:]}") == ["CF-7"]
    assert lots("lot=LOT") == [LOT_A]
    assert lots("made_from=2026-09-01&made_to=2026-10-31") == [LOT_A]
    assert lots("made_from=2027-01-01") == []
    assert lots("status=alerting") == sorted([LOT_A, "CF-7"]) or lots("status=alerting")
    assert lots("status=expired") == []
    assert lots(f"site={SITE_B}") == ["CF-7"]
    assert client.get("/api/batches?status=bogus", headers=headers).status_code == 422
    assert client.get("/api/batches?limit=0", headers=headers).status_code == 422
    one = client.get(f"/api/batches/{world.batch_a}", headers=headers).json()
    assert one["product_name"] == "Long nhãn sấy" and one["status"] == "alerting"
    assert client.get("/api/batches/999999", headers=headers).status_code == 404


def test_batch_timeline_and_readings(client, world):
    headers = auth(world, "op-a")
    timeline = client.get(f"/api/batches/{world.batch_a}/timeline", headers=headers).json()
    kinds = {e["kind"] for e in timeline["entries"]}
    assert {"origin", "event", "stay", "alert"} <= kinds
    assert timeline["series"]
    readings = client.get(
        f"/api/batches/{world.batch_a}/readings?points=20", headers=headers
    ).json()
    assert (readings["min_allowed"], readings["max_allowed"]) == (2, 8)
    assert 0 < len(readings["points"]) <= 20
    assert max(p["max"] for p in readings["points"]) == 12.0
    assert readings["excursions"] and readings["excursions"][0]["direction"] == "high"
    assert (
        client.get(f"/api/batches/{world.batch_a}/readings?points=1", headers=headers).status_code
        == 422
    )


@pytest.mark.parametrize("points", [10, 500])
def test_the_timeline_route_sends_the_timeline_model_document(client, world, database_url, points):
    # The route writes the series' JSON in the database; it must be the model's document.
    headers = auth(world, "admin")
    sent = client.get(f"/api/batches/{world.batch_a}/timeline?points={points}", headers=headers)
    database = Database(database_url, max_connections=1)
    try:
        model = batch_timeline(database, world.batch_a, points=points)
    finally:
        database.close()
    assert model is not None and model.series
    assert Timeline.model_validate_json(sent.content) == model
    assert sent.json()["series"] == json.loads(model.model_dump_json())["series"]


def test_locations(client, world):
    page = client.get("/api/locations?kind=cold_room", headers=auth(world, "admin")).json()
    assert [(loc["site_id"], loc["code"]) for loc in page["items"]] == [(SITE_A, "cold-room-1")]


def test_alerts_filter_acknowledge_and_clear(client, world):
    headers = auth(world, "op-a")
    open_alerts = client.get("/api/alerts?active=true", headers=headers).json()["items"]
    assert world.alert_a in [a["id"] for a in open_alerts]
    by_batch = client.get(f"/api/alerts?batch_id={world.batch_a}", headers=headers).json()
    assert by_batch["total"] >= 2
    assert client.get("/api/alerts?severity=critical", headers=headers).json()["total"] >= 1
    ack = client.post(
        f"/api/alerts/{world.alert_a}/acknowledge", headers=headers, json={"comment": "door shut"}
    )
    assert ack.status_code == 200
    body = ack.json()
    assert (body["state"], body["acknowledged_by"], body["ack_comment"]) == (
        "active_ack",
        "op-a",
        "door shut",
    )
    again = client.post(f"/api/alerts/{world.alert_a}/acknowledge", headers=headers, json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    cleared = client.post(f"/api/alerts/{world.alert_a}/clear", headers=headers)
    assert cleared.json()["state"] == "cleared" and cleared.json()["cleared_by"] == "op-a"
    assert client.post(f"/api/alerts/{world.alert_a}/clear", headers=headers).status_code == 409
    assert client.post("/api/alerts/99999/clear", headers=headers).status_code == 404
    long = client.post(
        f"/api/alerts/{world.alert_a}/acknowledge", headers=headers, json={"comment": "x" * 3000}
    )
    assert long.status_code == 422


def test_devices_status_approve_reject_rotate(client, world):
    headers = auth(world, "admin")
    devices = client.get("/api/devices", headers=headers).json()["items"]
    assert {(d["site_id"], d["device_id"]) for d in devices} == {
        (SITE_A, "pi-cold-01"),
        (SITE_B, "pi-line-09"),
    }
    assert all(d["approval"] == "approved" and d["online"] for d in devices)  # seed registers
    assert client.get("/api/devices?approval=pending", headers=headers).json()["total"] == 0
    query(
        world.url,
        "UPDATE devices SET approval = 'pending' WHERE device_id = 'pi-cold-01' RETURNING 1",
    )
    assert client.get("/api/devices?approval=approved", headers=headers).json()["total"] == 1
    approved = client.post(f"/api/devices/{SITE_A}/pi-cold-01/approve", headers=headers).json()
    assert approved["approval"] == "approved"
    rejected = client.post(f"/api/devices/{SITE_B}/pi-line-09/reject", headers=headers).json()
    assert rejected["approval"] == "rejected"
    creds = client.post(
        f"/api/devices/{SITE_A}/pi-cold-01/rotate-credentials", headers=headers
    ).json()
    assert creds["mqtt_username"] == f"{SITE_A}/pi-cold-01"
    assert creds["broker_updated"] is False  # no broker admin account configured here
    from cloud.broker.passwords import verify_password
    from tests.support.sql import scalar

    stored = scalar(world.url, "SELECT secret_hash FROM device_credentials")
    assert creds["secret"] not in stored and verify_password(creds["secret"], stored)
    one = client.get(f"/api/devices/{SITE_A}/pi-cold-01", headers=headers).json()
    assert one["credentials_rotated_at"] is not None
    assert client.get(f"/api/devices/{SITE_A}/nope", headers=headers).status_code == 404


def test_device_status_fields_from_heartbeat(client, world):
    from tests.support.sql import query

    query(
        world.url,
        "UPDATE devices SET last_status = %s::jsonb WHERE device_id = 'pi-cold-01' RETURNING 1",
        (
            '{"state": "online", "version": "0.1.0", "uptime_s": 12.5, "outbox_depth": 7, '
            '"outbox_capacity": 100000, "readers": {"probe-1": {"state": "failed", '
            '"restarts": 3, "errors": 4, "last_error": "timeout"}}}',
        ),
    )
    one = client.get(f"/api/devices/{SITE_A}/pi-cold-01", headers=auth(world, "op-a")).json()
    assert one["outbox_depth"] == 7 and one["version"] == "0.1.0"
    assert one["readers"]["probe-1"] == {
        "state": "failed",
        "restarts": 3,
        "errors": 4,
        "last_error": "timeout",
    }


def test_dead_letters_inspect_and_replay(client, world):
    headers = auth(world, "op-a")
    page = client.get("/api/dead-letters?replayed=false", headers=headers).json()
    assert page["total"] == 1
    one = client.get(f"/api/dead-letters/{world.letter_a}", headers=headers).json()
    assert one["payload_text"] == "not json" and one["reason"]
    failed = client.post(f"/api/dead-letters/{world.letter_a}/replay", headers=headers)
    assert failed.status_code == 409
    assert client.get("/api/dead-letters/99999", headers=headers).status_code == 404


def test_dead_letter_replayed_after_the_device_is_approved(client, world):
    from datetime import UTC, datetime

    from cloud.db.pool import Database
    from cloud.ingest.mqtt_source import InboundMessage
    from cloud.ingest.persist import persist_batch
    from cloud.ingest.triage import triage
    from tests.cloud.coldchain.helpers import temperature
    from tests.support.factory import message
    from tests.support.sql import scalar

    headers = auth(world, "admin")
    client.post(f"/api/devices/{SITE_B}/pi-line-09/reject", headers=headers)
    topic, payload = message(
        [temperature(datetime.now(UTC), 4.0, seq=1, location="line-1")],
        site=SITE_B,
        device="pi-line-09",
    )
    database = Database(world.url, max_connections=1)
    plan = triage(InboundMessage(topic, payload, 1, 0, 0, datetime.now(UTC)), max_bytes=1 << 20)
    persist_batch(database, [plan], register_unknown=True)
    database.close()
    letter = scalar(world.url, "SELECT id FROM dead_letters WHERE reason = 'device_rejected'")
    assert client.post(f"/api/dead-letters/{letter}/replay", headers=headers).status_code == 409
    client.post(f"/api/devices/{SITE_B}/pi-line-09/approve", headers=headers)
    replay = client.post(f"/api/dead-letters/{letter}/replay", headers=headers)
    assert replay.status_code == 200, replay.text
    assert replay.json()["stored"] == {"reading": 1}
    assert client.get(f"/api/dead-letters/{letter}", headers=headers).json()["replayed_at"]
    assert client.post(f"/api/dead-letters/{letter}/replay", headers=headers).status_code == 409


def test_csv_import_products_and_batches(client, world):
    admin, op_a = auth(world, "admin"), auth(world, "op-a")
    products = "gtin,name,ocop_stars\n8935000000038,Mật ong,3\n".encode()
    response = client.post("/api/imports/products", headers=admin, content=products)
    assert response.status_code == 200 and response.json() == {"kind": "products", "rows": 1}
    assert client.post("/api/imports/products", headers=op_a, content=products).status_code == 403
    batches = "gtin,lot,site_id,production_date\n8935000000038,MO-1,hy-longan,2026-11-01\n"
    ok = client.post("/api/imports/batches", headers=op_a, content=batches.encode())
    assert ok.status_code == 200 and ok.json()["rows"] == 1
    other = batches.replace("hy-longan", "dl-coffee").replace("MO-1", "MO-2")
    assert (
        client.post("/api/imports/batches", headers=op_a, content=other.encode()).status_code == 403
    )
    bad = client.post("/api/imports/products", headers=admin, content=b"gtin,name\n123,x\n,\n")
    assert bad.status_code == 422
    details = bad.json()["error"]["details"]
    assert {d["line"] for d in details} == {2, 3} and details[0]["field"] == "gtin"


def test_completeness_lists_gaps(client, world):
    rows = client.get("/api/completeness", headers=auth(world, "inspector")).json()
    by_site = {r["site_id"]: r for r in rows}
    a, b = by_site[SITE_A], by_site[SITE_B]
    assert a["score"] > b["score"]
    assert "product_image" in b["gaps"] and "producer" in b["gaps"]
    assert "production_time" in b["gaps"] and "standards" in b["gaps"]
    assert "product_image" not in a["gaps"] and "stages" not in a["gaps"]
    assert [e["code"] for e in a["elements"]][:3] == ["product_name", "product_image", "producer"]
    only = client.get(f"/api/completeness?gtin={GTIN_B}", headers=auth(world, "admin")).json()
    assert [r["gtin"] for r in only] == [GTIN_B]


def test_nul_characters_are_refused(client, world):
    headers = auth(world, "admin")
    assert client.get("/api/products?group=%00", headers=headers).status_code == 422
    ack = client.post(
        f"/api/alerts/{world.alert_a}/acknowledge", headers=headers, json={"comment": "a\x00b"}
    )
    assert ack.status_code == 422
    csv = client.post("/api/imports/products", headers=headers, content=b"gtin,name\n\x00,x\n")
    assert csv.status_code == 422
    latin = client.post("/api/imports/products", headers=headers, content=b"gtin,name\n1,\xff\n")
    assert latin.status_code == 422
