"""The consumer page's finished answers are kept per batch and language: hits ask no database."""

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.api.routers import public
from cloud.settings.api import load_api_settings
from tests.cloud.api.seed import GTIN_A, LOT_A, SITE_A
from tests.support.sql import query
from tests.support.waiting import wait_for

PAGE = f"/01/{GTIN_A}/10/{LOT_A}"
JSON = f"/api/public/01/{GTIN_A}/10/{LOT_A}"


@pytest.fixture
def uncached(database_url: str) -> Iterator[TestClient]:
    app = create_app(load_api_settings(database_url=database_url, api_public_cache_s=0))
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def queries(monkeypatch) -> list[dict[str, Any]]:
    """The consumer page's batch queries, one entry per query."""
    asked: list[dict[str, Any]] = []
    original = public.store.consumer_page

    async def counted(reads, **key):
        asked.append(key)
        return await original(reads, **key)

    monkeypatch.setattr(public.store, "consumer_page", counted)
    return asked


def test_a_second_answer_is_a_byte_identical_hit(client, world, queries):
    first = client.get(JSON)
    again = client.get(JSON)
    assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
    assert (
        again.content == first.content and again.json()["trace_code"] == f"(01){GTIN_A}(10){LOT_A}"
    )
    assert again.headers["Content-Type"] == "application/json"
    page = client.get(PAGE)  # the kept view: rendered, but no query
    page_again = client.get(f"/01/{GTIN_A[1:]}/10/{LOT_A}")  # 13 digits: the same batch
    assert (page.headers["X-Cache"], page_again.headers["X-Cache"]) == ("hit", "hit")
    assert page_again.content == page.content and "Long nhãn sấy" in page.text
    for response in (page, page_again):
        assert response.headers["Cache-Control"] == "public, max-age=60"
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "set-cookie" not in response.headers
    assert len(queries) == 1


def test_languages_are_kept_apart_and_lang_still_sets_the_cookie(client, world, queries):
    english = client.get(f"{PAGE}?lang=en")
    vietnamese = client.get(f"{PAGE}?lang=vi")
    assert "Producer" in english.text and "Nhà sản xuất" not in english.text
    assert "Nhà sản xuất" in vietnamese.text and "Producer" not in vietnamese.text
    english_again = client.get(f"{PAGE}?lang=en")
    assert english_again.headers["X-Cache"] == "hit" and english_again.content == english.content
    assert "txng_lang=en" in english_again.headers["set-cookie"]
    by_cookie = client.get(PAGE)  # the cookie the last answer set picks the language
    assert by_cookie.headers["X-Cache"] == "hit" and by_cookie.content == english.content
    assert "set-cookie" not in by_cookie.headers
    assert len(queries) == 1


def test_a_kept_page_hides_a_change_and_zero_seconds_shows_it_at_once(
    client, uncached, world, queries
):
    kept = client.get(PAGE)
    query(
        world.url,
        "UPDATE products SET name = 'Long nhãn mới' WHERE gtin = %s RETURNING gtin",
        (GTIN_A,),
    )
    assert client.get(PAGE).content == kept.content
    fresh = [uncached.get(PAGE), uncached.get(PAGE), uncached.get(JSON), uncached.get(JSON)]
    assert [r.headers["X-Cache"] for r in fresh] == ["miss"] * 4
    assert all("Long nhãn mới" in r.text for r in fresh)
    assert len(queries) == 1 + 4


def test_an_expired_page_is_served_once_more_while_it_is_fetched_anew(database_url, world, queries):
    ttl_s = 2.0
    app = create_app(load_api_settings(database_url=database_url, api_public_cache_s=ttl_s))
    with TestClient(app) as client:
        kept = client.get(PAGE)
        assert kept.headers["X-Cache"] == "miss"
        query(
            world.url,
            "UPDATE products SET name = 'Long nhãn mới' WHERE gtin = %s RETURNING gtin",
            (GTIN_A,),
        )
        time.sleep(ttl_s * 1.1)  # expired, within the stale window (one more TTL)
        stale = client.get(PAGE)
        assert (stale.headers["X-Cache"], stale.content) == ("stale", kept.content)
        fresh = wait_for(lambda: (r := client.get(PAGE)).headers["X-Cache"] == "hit" and r)
        assert "Long nhãn mới" in fresh.text and "Long nhãn sấy" not in fresh.text
    assert len(queries) == 2  # the first answer and one background fetch


def test_an_unknown_batch_stays_404_until_it_is_created(client, world, queries):
    page, data = f"/01/{GTIN_A}/10/LOT-NEW", f"/api/public/01/{GTIN_A}/10/LOT-NEW"
    for _ in range(2):
        missing = client.get(page)
        assert missing.status_code == 404 and f"(01){GTIN_A}(10)LOT-NEW" in missing.text
        assert client.get(data).status_code == 404
    query(
        world.url,
        "INSERT INTO batches (gtin, lot, verified, site_id) VALUES (%s, 'LOT-NEW', true, %s) "
        "RETURNING id",
        (GTIN_A, SITE_A),
    )
    found = client.get(page)
    assert found.status_code == 200 and found.headers["X-Cache"] == "miss"
    assert "LOT-NEW" in found.text and client.get(data).json()["lot"] == "LOT-NEW"
    assert len(queries) == 4 + 1


def test_concurrent_misses_of_one_page_ask_the_database_once(database_url, world, monkeypatch):
    app = create_app(load_api_settings(database_url=database_url))
    gate = threading.Event()
    asked: list[dict[str, Any]] = []
    original = public.store.consumer_page

    async def held(reads, **key):
        asked.append(key)
        for _ in range(1000):  # until every request is in (at most 10 s)
            if gate.is_set():
                break
            await asyncio.sleep(0.01)
        return await original(reads, **key)

    monkeypatch.setattr(public.store, "consumer_page", held)

    async def twenty_at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            requests = [asyncio.ensure_future(http.get(PAGE)) for _ in range(20)]
            for _ in range(100):
                await asyncio.sleep(0)
            gate.set()
            return await asyncio.gather(*requests)

    try:
        responses = asyncio.run(twenty_at_once())
    finally:
        gate.set()
        app.state.database.close()
        app.state.reads.close()
    assert len(asked) == 1
    assert {r.status_code for r in responses} == {200}
    assert len({r.content for r in responses}) == 1 and "Long nhãn sấy" in responses[0].text
