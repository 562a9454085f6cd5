"""Receive → store with readings → pack into an SSCC → ship, through the ingester; then our
events as EPCIS (query filters, the batch export, the FSMA CSV) and the capture adapter posting
them to an EPCIS repository (a second txng, whose capture validates them again)."""

import csv
import io
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from cloud.api.auth import current_principal
from cloud.api.main import create_app
from cloud.db.pool import Database
from cloud.db.rows.forward import OutboxItem
from cloud.epcis.validate import problems
from cloud.forward.adapter import ListJournal, Outcome
from cloud.forward.epcis_adapter import EpcisCaptureAdapter
from cloud.settings.api import load_api_settings
from cloud.settings.epcis import load_epcis_settings
from tests.cloud.epcis.conftest import OPERATOR, TOKEN, add_operator_site
from tests.cloud.trace.helpers import idle, import_csv
from tests.support.factory import SITE, START, message, reading, scan_of
from tests.support.mqtt import publish_all
from tests.support.sql import query
from tests.support.waiting import wait_for

LONGAN, FRESH = "08934567000017", "08934567000024"
SSCC = "389345670000000018"
COLD_GLN = "8934567000017"
H = timedelta(hours=1)


@pytest.fixture
def scenario(start_ingester, database_url, mqtt_url, tmp_path, registered_device):
    import_csv(database_url, tmp_path, "products", f"gtin,name\n{LONGAN},Long nhãn sấy\n")
    import_csv(
        database_url,
        tmp_path,
        "batches",
        f"gtin,lot,production_date,quantity,unit,inputs\n{FRESH},F1,2026-10-20,500,kg,\n"
        f"{LONGAN},LN1,2026-10-25,120,kg,{FRESH}/F1\n",
    )
    import_csv(
        database_url,
        tmp_path,
        "locations",
        f"site,code,kind,name,gln,gln_extension\n{SITE},cold-room-1,cold_room,Kho lạnh 1,"
        f"{COLD_GLN},1\n",
    )
    start_ingester()
    scans = [
        scan_of(1, at=START, location="dock", biz_step="receiving", gtin=LONGAN, lot="LN1"),
        scan_of(
            2, at=START + H, location="cold-room-1", biz_step="storing", gtin=LONGAN, lot="LN1"
        ),
        scan_of(
            3, at=START + 25 * H, location="line-1", biz_step="packing", gtin=LONGAN, lot="LN1"
        ),
        scan_of(
            4,
            at=START + 25 * H + timedelta(seconds=5),
            location="line-1",
            biz_step="packing",
            sscc=SSCC,
        ),
        scan_of(5, at=START + 26 * H, location="dock", biz_step="shipping", sscc=SSCC),
    ]
    readings = [
        reading(100 + i, 3.0 + (i % 3), location="cold-room-1").model_copy(
            update={"device_time": START + H + i * timedelta(minutes=10)}
        )
        for i in range(6 * 23)
    ]
    publish_all(
        mqtt_url,
        [message([s]) for s in scans]
        + [message(readings[i : i + 50]) for i in range(0, len(readings), 50)],
    )
    wait_for(
        lambda: (
            idle(database_url)
            and len(query(database_url, "SELECT * FROM unit_contents")) == 1
            and len(query(database_url, "SELECT * FROM readings")) == len(readings)
        ),
        timeout=60,
    )
    return {s.biz_step.value + str(s.seq): str(s.id) for s in scans}


def _events(client, **params):
    response = client.get("/epcis/events", params=params)
    assert response.status_code == 200, response.text
    assert problems(response.json()) == []
    return response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def _ids(events):
    return [e["eventID"].removeprefix("urn:uuid:") for e in events]


def test_our_events_as_epcis(scenario, client, database_url):
    everything = _events(client)
    assert _ids(everything) == [
        scenario[k] for k in ("receiving1", "storing2", "packing3", "packing4", "shipping5")
    ]
    packing = everything[3]
    assert packing["type"] == "AggregationEvent" and packing["action"] == "ADD"
    assert packing["parentID"] == "urn:epc:id:sscc:8934567.3000000001"
    assert packing["childQuantityList"] == [{"epcClass": "urn:epc:class:lgtin:8934567.000001.LN1"}]
    stored = everything[1]
    assert stored["bizLocation"] == {"id": "urn:epc:id:sgln:8934567.00001.1"}
    assert everything[0]["readPoint"]["id"] == f"https://txng.example/loc/{SITE}/dock"
    assert "bizLocation" not in everything[4]  # shipped: no longer there

    # Each parameter filters.
    assert _ids(_events(client, eventType="AggregationEvent")) == [scenario["packing4"]]
    assert len(_events(client, eventType="ObjectEvent")) == 4
    assert _events(client, eventType="TransformationEvent") == []
    assert _ids(_events(client, EQ_bizStep="shipping|receiving")) == [
        scenario["receiving1"],
        scenario["shipping5"],
    ]
    assert _ids(_events(client, EQ_bizStep="urn:epcglobal:cbv:bizstep:storing")) == [
        scenario["storing2"]
    ]
    assert _ids(_events(client, EQ_bizLocation="urn:epc:id:sgln:8934567.00001.1")) == [
        scenario["storing2"]
    ]
    dock = f"https://txng.example/loc/{SITE}/dock"
    assert _ids(_events(client, EQ_bizLocation=dock)) == [scenario["receiving1"]]
    window = {"GE_eventTime": (START + H).isoformat(), "LT_eventTime": (START + 26 * H).isoformat()}
    assert len(_events(client, **window)) == 3
    assert _ids(_events(client, MATCH_epc=f"https://id.gs1.org/00/{SSCC}")) == [
        scenario["packing4"],
        scenario["shipping5"],
    ]
    lot = "urn:epc:class:lgtin:8934567.000001.LN1"
    assert len(_events(client, MATCH_epcClass=lot)) == 4  # 3 lot scans and the packing
    assert len(_events(client, MATCH_epcClass="urn:epc:idpat:sgtin:8934567.000001.*")) == 4

    # Pages follow each other without gaps or repeats.
    pages, token = [], None
    while True:
        params = {"perPage": 2, **({"nextPageToken": token} if token else {})}
        response = client.get("/epcis/events", params=params)
        pages += response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        token = response.headers.get("GS1-Next-Page-Token")
        if token is None:
            break
        assert 'rel="next"' in response.headers["link"]
    assert pages == everything
    bad = client.get("/epcis/events", params={"GE_eventTime": "yesterday"})
    assert bad.status_code == 400


def test_batch_export_and_fsma_csv(scenario, client, database_url):
    batch_id = query(database_url, "SELECT id FROM batches WHERE lot = 'LN1'")[0][0]
    response = client.get(f"/api/batches/{batch_id}/epcis")
    assert response.status_code == 200
    document = response.json()
    assert problems(document) == []
    events = document["epcisBody"]["eventList"]
    kinds = [e["type"] for e in events]
    assert kinds.count("AggregationEvent") == 1 and kinds.count("TransformationEvent") == 1
    made = next(e for e in events if e["type"] == "TransformationEvent")
    assert made["inputQuantityList"] == [
        {"epcClass": "urn:epc:class:lgtin:8934567.000002.F1", "quantity": 500.0, "uom": "KGM"}
    ]
    sensed = [e for e in events if e.get("bizStep") == "sensor_reporting"]
    assert len(sensed) == 1
    report = sensed[0]["sensorElementList"][0]["sensorReport"][0]
    assert (report["type"], report["uom"], report["minValue"], report["maxValue"]) == (
        "Temperature",
        "CEL",
        3.0,
        5.0,
    )
    assert client.get("/api/batches/999999/epcis").status_code == 404

    text = client.get(
        "/api/exports/fsma204.csv", params={"from": "2026-11-01", "to": "2026-11-02"}
    ).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["cte"], r["traceability_lot_code"]) for r in rows] == [
        ("Receiving", f"(01){LONGAN}(10)LN1"),
        ("Shipping", f"(01){LONGAN}(10)LN1"),
    ]
    assert rows[1]["logistic_unit_sscc"] == SSCC
    assert rows[0]["product_description"] == "Long nhãn sấy"
    assert rows[0]["batch_quantity"] == "120" and rows[0]["batch_unit"] == "kg"


def test_adapter_posts_valid_documents_to_a_capture_endpoint(scenario, database_url, new_database):
    far_url = new_database()
    add_operator_site(far_url)
    far = create_app(load_api_settings(database_url=far_url))
    far.dependency_overrides[current_principal] = lambda: OPERATOR
    database = Database(database_url, max_connections=2)
    with TestClient(far, headers=TOKEN) as far_client:
        adapter = EpcisCaptureAdapter(
            database,
            load_epcis_settings(epcis_capture_url="/epcis/capture"),
            http=far_client,
        )
        stored_at, shipped_at = START + H, START + 26 * H
        payloads = [  # as ingest queues them (cloud.db.forward_store.event_payload)
            {
                "event_id": scenario["storing2"],
                "time": stored_at.isoformat(),
                "site": SITE,
                "location": "cold-room-1",
                "biz_step": "storing",
                "gtin": LONGAN,
                "lot": "LN1",
            },
            {
                "event_id": scenario["shipping5"],
                "time": shipped_at.isoformat(),
                "site": SITE,
                "location": "dock",
                "biz_step": "shipping",
                "sscc": SSCC,
            },
        ]
        items = [
            OutboxItem(id=i, destination="epcis", kind="event", key=p["event_id"], payload=p)
            for i, p in enumerate(payloads)
        ]
        journal = ListJournal()
        results = adapter.send(items, journal)
        assert [r.outcome for r in results] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
        assert journal.submissions[0].status == 202
        again = adapter.send(items, ListJournal())  # a resend stores nothing twice
        assert [r.outcome for r in again] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
        stored = far_client.get("/epcis/events").json()
    database.close()
    events = stored["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert _ids(events) == [scenario["storing2"], scenario["shipping5"]]
    assert "sensorElementList" in events[0]  # the cold-room stay's temperatures
