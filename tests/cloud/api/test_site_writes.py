"""Writes stay inside the writer's site: imports and EPCIS captures (issue 15, part 2)."""

import json

from cloud.epcis.naming import Naming
from cloud.settings.epcis import EpcisSettings
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import GTIN_A, GTIN_B, LOT_A, LOT_B, SITE_A, SITE_B
from tests.cloud.api.test_access_matrix import epcis_document
from tests.support.sql import query

PARTNER_GLN = "8934567000018"  # a partner's warehouse: no location of ours


def _batch(world, gtin, lot):
    return query(
        world.url,
        "SELECT site_id, verified, production_date FROM batches WHERE gtin = %s AND lot = %s",
        (gtin, lot),
    )[0]


def test_an_operator_cannot_import_over_another_sites_batch(client, world):
    before = _batch(world, GTIN_B, LOT_B)
    csv = f"gtin,lot,site_id,production_date\n{GTIN_B},{LOT_B},{SITE_A},2026-01-02\n"
    response = client.post("/api/imports/batches", headers=auth(world, "op-a"), content=csv)
    assert response.status_code == 403
    assert response.json()["error"]["details"][0]["line"] == 2
    assert _batch(world, GTIN_B, LOT_B) == before  # not moved, not re-dated


def test_an_operator_imports_their_own_and_unclaimed_batches(client, world):
    query(
        world.url,
        "INSERT INTO batches (gtin, lot, source) VALUES (%s, 'NEW-1', 'scan') RETURNING id",
        (GTIN_A,),
    )
    csv = f"gtin,lot,site_id\n{GTIN_A},{LOT_A},{SITE_A}\n{GTIN_A},NEW-1,{SITE_A}\n"
    response = client.post("/api/imports/batches", headers=auth(world, "op-a"), content=csv)
    assert response.status_code == 200, response.text
    assert _batch(world, GTIN_A, "NEW-1")[:2] == (SITE_A, True)


def _capture(client, world, who, document, **params):
    return client.post(
        "/epcis/capture", headers=auth(world, who), params=params, content=json.dumps(document)
    )


def _events(client, world, who):
    response = client.get("/epcis/events", headers=auth(world, who))
    assert response.status_code == 200
    return response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def test_a_capture_at_another_sites_location_is_refused(client, world):
    response = _capture(client, world, "op-a", epcis_document(SITE_B))
    assert response.status_code == 403
    assert SITE_B in response.json()["error"]["details"][0]["reason"]
    assert query(world.url, "SELECT count(*) FROM epcis_events")[0][0] == 0


def test_captures_record_who_and_label_what_a_partner_asserts(client, world):
    own = _capture(client, world, "op-a", epcis_document(SITE_A))
    assert own.status_code == 202, own.text
    partner = epcis_document(SITE_B)  # B's lot, shipped from a partner's warehouse
    event = partner["epcisBody"]["eventList"][0]
    place = Naming(EpcisSettings()).location("", "", PARTNER_GLN, None)
    event["bizLocation"] = event["readPoint"] = {"id": place}
    event["bizStep"] = "shipping"
    assert _capture(client, world, "op-a", partner).status_code == 202
    rows = query(
        world.url,
        "SELECT k.site_id, k.captured_by, e.site_id, e.asserted_by FROM epcis_events e "
        "JOIN epcis_captures k ON k.id = e.capture_id ORDER BY e.id",
    )
    assert rows == [(SITE_A, "op-a", SITE_A, "site"), (SITE_A, "op-a", SITE_A, "partner")]

    mine = _events(client, world, "op-a")
    assert [e["txng:assertedBy"] for e in mine if "txng:assertedBy" in e] == ["site", "partner"]
    assert all(e.get("txng:capturedBy", SITE_A) == SITE_A for e in mine)
    assert not [e for e in _events(client, world, "op-b") if "txng:capturedBy" in e]

    document = client.get(f"/api/batches/{world.batch_b}/epcis", headers=auth(world, "admin"))
    labelled = [e for e in document.json()["epcisBody"]["eventList"] if "txng:assertedBy" in e]
    assert [(e["txng:assertedBy"], e["txng:capturedBy"]) for e in labelled] == [("partner", SITE_A)]
    assert {"txng": "urn:txng:epcis:"} in labelled[0]["@context"]
    b_export = client.get(f"/api/batches/{world.batch_b}/epcis", headers=auth(world, "op-b"))
    assert "txng:capturedBy" not in b_export.text  # A's capture is not B's to see

    def captured(who, batch):
        answer = client.get(f"/api/batches/{batch}/timeline", headers=auth(world, who))
        assert answer.status_code == 200
        entries = answer.json()["entries"]
        return [
            (e["asserted_by"], e["captured_by"], e["site"]) for e in entries if e["asserted_by"]
        ]

    assert captured("admin", world.batch_b) == [("partner", SITE_A, None)]
    assert captured("op-b", world.batch_b) == []  # A's partner's word is not B's trace
    assert captured("op-a", world.batch_a) == [("site", SITE_A, SITE_A)]
    page = client.get(f"/ui/batches/{world.batch_b}", headers=auth(world, "admin"))
    assert (
        "asserted by a partner"
        in client.get(f"/ui/batches/{world.batch_b}?lang=en", headers=auth(world, "admin")).text
        and page.status_code == 200
    )


def test_an_admin_names_the_site_a_capture_is_for(client, world):
    document = epcis_document(SITE_B)
    assert _capture(client, world, "admin", document).status_code == 400
    assert _capture(client, world, "admin", document, site=SITE_B).status_code == 202
    assert _capture(client, world, "inspector", document, site=SITE_B).status_code == 403
