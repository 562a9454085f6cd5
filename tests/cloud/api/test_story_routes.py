"""The story routes: who sees which steps, a step's scans page by page, forwarding."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.trace.story_world import (
    DISTRIBUTOR,
    DRIED,
    DRIED_LOT,
    FARM,
    FRESH,
    FRESH_LOT,
    PALLET,
    SERIALS,
    SHOP,
    add_users,
    seed_story,
)
from tests.support.postgres import create_database, drop_database


@pytest.fixture(scope="module")
def api(migrated_template) -> Iterator[tuple[TestClient, int, dict[str, str]]]:
    url = create_database(template=migrated_template)
    world = seed_story(url)
    tokens = add_users(url)
    with TestClient(create_app(load_api_settings(database_url=url))) as client:
        yield client, world.dried, {k: f"Bearer {v}" for k, v in tokens.items()}
    drop_database(url)


def _get(api, who: str, path: str, **params: object):
    client, _, tokens = api
    return client.get(path, params=params, headers={"Authorization": tokens[who]})


def test_admin_and_inspector_see_every_step_operators_their_own_and_the_handovers(api):
    _, dried, _ = api
    for who in ("admin", "inspector"):
        story = _get(api, who, f"/api/batches/{dried}/story").json()
        assert story["scope"] == "all" and len(story["steps"]) == 7
    seen = _get(api, "op-dist", f"/api/batches/{dried}/story").json()
    assert [(s["site_id"], s["handover"]) for s in seen["steps"]] == [
        (FARM, True),
        (DISTRIBUTOR, False),
        (DISTRIBUTOR, False),
        (SHOP, True),
    ]
    assert seen["steps"][0]["readers"] == [] and seen["steps"][0]["location"] is None
    assert _get(api, "op-coffee", f"/api/batches/{dried}/story").status_code == 404
    assert _get(api, "admin", "/api/batches/999999/story").status_code == 404


def test_a_steps_scans_page_by_page_and_only_your_sites(api):
    _, dried, _ = api
    path = f"/api/batches/{dried}/story/events"
    step = {"biz_step": "packing", "site": FARM, "location": "packing-line-1"}
    first = _get(api, "op-farm", path, **step, limit=10)
    assert first.status_code == 200, first.text
    body = first.json()
    assert len(body["items"]) == 10 and body["next"]
    rest = _get(api, "op-farm", path, **step, limit=10, after=body["next"]).json()
    assert len(rest["items"]) == 10 and rest["next"]
    refused = _get(api, "op-dist", path, **step)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    bad = _get(api, "admin", path, **step, after="2026-08-01|0000")
    assert bad.status_code == 422
    unknown = _get(api, "admin", path, **(step | {"biz_step": "harvesting"}))
    assert unknown.status_code == 422


def test_forwarding_of_the_batch(api):
    _, dried, _ = api
    body = _get(api, "op-farm", f"/api/batches/{dried}/forwarding").json()
    assert body == {"status": "not_queued", "destinations": []}


def test_recall_as_json_and_csv_scoped_by_the_callers_rights(api):
    whole = _get(api, "inspector", f"/api/recall/items/{DRIED}/{SERIALS[1]}")
    assert whole.status_code == 200, whole.text
    body = whole.json()
    assert body["scope"] == "all"
    assert [(b["lot"], b["direction"]) for b in body["batches"]] == [
        (DRIED_LOT, "start"),
        (FRESH_LOT, "backward"),
    ]
    farm = _get(api, "op-farm", f"/api/recall/batches/{FRESH}/{FRESH_LOT}").json()
    assert [r["site_id"] for r in farm["receivers"]] == [DISTRIBUTOR]
    text = _get(api, "op-farm", f"/api/recall/units/{PALLET}", format="csv")
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/csv")
    assert text.text.splitlines()[0].startswith("record,direction,hop,gtin,lot")
    assert f"recall-sscc-{PALLET}.csv" in text.headers["content-disposition"]
    assert _get(api, "op-coffee", f"/api/recall/units/{PALLET}").status_code == 404
    assert _get(api, "admin", f"/api/recall/items/{DRIED}/NOPE").status_code == 404
    assert (
        _get(api, "admin", f"/api/recall/batches/{FRESH}/{FRESH_LOT}", format="x").status_code
        == 422
    )


def test_a_pallet_its_contents_and_its_shipments(api):
    story = _get(api, "admin", f"/api/units/{PALLET}/story").json()
    assert [b["lot"] for b in story["contents"]] == [DRIED_LOT]
    # The shop received the packs by serial, not the pallet: its last trip ends unknown.
    assert [(s["site_id"], s["to_site"]) for s in story["shipments"]] == [
        (FARM, DISTRIBUTOR),
        (DISTRIBUTOR, None),
    ]
    seen = _get(api, "op-dist", f"/api/units/{PALLET}/story").json()
    assert [(s["site_id"], s["handover"]) for s in seen["steps"]] == [
        (FARM, True),
        (DISTRIBUTOR, False),
        (DISTRIBUTOR, False),
    ]
    assert _get(api, "op-coffee", f"/api/units/{PALLET}/story").status_code == 404
    assert _get(api, "admin", "/api/units/000000000000000000/story").status_code == 404
