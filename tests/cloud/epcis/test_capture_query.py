"""POST /epcis/capture and GET /epcis/events with the OpenEPCIS conformance documents."""

import json
from datetime import datetime, timedelta

import pytest

from tests.cloud.epcis.conftest import OPERATOR
from tests.cloud.epcis.testdata import (
    DOCUMENTS,
    INVALID,
    SCHEMA_BREAKING,
    load,
    names,
    needs_testdata,
)

pytestmark = needs_testdata


def _capture(client, document):
    return client.post(
        "/epcis/capture",
        content=json.dumps(document),
        headers={"content-type": "application/ld+json"},
    )


def _events(client, **params):
    response = client.get("/epcis/events", params={"perPage": 1000, **params})
    assert response.status_code == 200, response.text
    document = response.json()
    assert document["type"] == "EPCISQueryDocument"
    return document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def _window(event):
    at = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00"))
    return {
        "GE_eventTime": at.isoformat(),
        "LT_eventTime": (at + timedelta(milliseconds=1)).isoformat(),
    }


OURS = ("recordTime", "@context", "txng:capturedBy", "txng:assertedBy")


def _same(found, sent):
    """The stored event is the sent one (plus the recordTime, @context and labels we add)."""
    assert found["txng:capturedBy"] == OPERATOR.site
    assert found["txng:assertedBy"] == "partner"  # none of its places or lots is the site's
    return {k: v for k, v in found.items() if k not in OURS} == {
        k: v for k, v in sent.items() if k not in OURS
    }


def test_every_valid_document_is_captured_and_queried_back(client):
    captured = 0
    for name in names(DOCUMENTS):
        document = load(DOCUMENTS, name)
        response = _capture(client, document)
        if name == SCHEMA_BREAKING:
            assert response.status_code == 400
            continue
        assert response.status_code == 202, f"{name}: {response.text}"
        body = response.json()
        assert response.headers["location"] == f"/epcis/capture/{body['captureID']}"
        assert client.get(response.headers["location"]).json()["success"] is True
        for sent in document["epcisBody"]["eventList"]:
            found = _events(client, eventType=sent["type"], **_window(sent))
            assert any(_same(f, sent) for f in found), f"{name}: {sent}"
            captured += 1
    assert captured >= 50  # every event of the 37 documents


def test_queried_documents_validate_with_their_namespaces(client):
    from cloud.epcis.validate import problems

    for name in ("Namespaces_at_different_level.json", "ObjectEvent_with_userExtensions.json"):
        assert _capture(client, load(DOCUMENTS, name)).status_code == 202
    response = client.get("/epcis/events", params={"perPage": 1000})
    assert problems(response.json()) == []


@pytest.mark.parametrize("name", names(INVALID))
def test_every_invalid_document_is_rejected_with_reasons(client, name):
    response = _capture(client, load(INVALID, name))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "epcis_invalid"
    assert error["details"] and all(d["reason"] for d in error["details"])
    assert _events(client) == []


def test_a_resent_document_stores_nothing_twice(client):
    document = load(DOCUMENTS, "ObjectEvent.json")
    first = _capture(client, document).json()
    second = _capture(client, document).json()
    assert (first["eventsStored"], second["eventsStored"]) == (2, 0)
    assert second["eventsAlreadyKnown"] == 2
    assert len(_events(client)) == 2


def test_not_json_is_a_400(client):
    response = client.post("/epcis/capture", content=b"{nope")
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]["details"][0]["reason"]
