"""Checks of a serialised code on the consumer page: counted even on cache hits, once per
client a while, no personal data; signals past configurable limits; rate-limited."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient

from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import GTIN_B, LOT_B, SITE_B
from tests.support.sql import query

PAGE = f"/01/{GTIN_B}/10/{LOT_B}"


@pytest.fixture
def issued(world) -> str:
    """Serial 1 commissioned into batch B (as a print job would)."""
    query(world.url, "INSERT INTO commissioned_items (gtin, serial, batch_id) VALUES "
                     "(%s, '1', %s) RETURNING 1", (GTIN_B, world.batch_b))
    return world.url


@contextmanager
def clients(url: str, *hosts: str, **settings) -> Iterator[list[TestClient]]:
    """One application, seen from several client addresses."""
    app = create_app(load_api_settings(database_url=url, **settings))
    # a browser's own page sends its Origin with the consent form (the CSRF guard wants it)
    opened = [TestClient(app, client=(host, 50000), headers={"Origin": "http://testserver"})
              for host in hosts]
    with opened[0]:
        yield opened


def checks(url: str, serial: str) -> list[tuple]:
    return query(url, "SELECT checks, window_checks, commissioned FROM public_checks "
                      "WHERE gtin = %s AND serial = %s", (GTIN_B, serial))


def test_a_check_is_counted_on_a_cache_hit_and_once_per_client_a_while(issued):
    with clients(issued, "198.51.100.1", "198.51.100.2") as (phone, other):
        assert phone.get(PAGE).headers["X-Cache"] == "miss"  # the batch's page is now kept
        first = phone.get(f"{PAGE}/21/1")
        assert first.status_code == 200 and first.headers["X-Cache"] == "hit"
        assert "Cà phê hạt" in first.text and "Bạn là người đầu tiên kiểm tra mã này" in first.text
        assert first.headers["Cache-Control"] == "no-store"
        again = phone.get(f"{PAGE}/21/1?lang=en")  # the same phone again: shown, not counted
        assert "checked 1 times, first on" in again.text
        assert checks(issued, "1") == [(1, 1, True)]
        other.get(f"{PAGE}/21/1")
        assert checks(issued, "1") == [(2, 2, True)]
        assert "<!--txng:check-->" not in first.text


def test_a_code_without_its_lot_goes_to_the_code_with_its_lot_and_is_counted(issued):
    with clients(issued, "198.51.100.1") as (phone,):
        moved = phone.get(f"/01/{GTIN_B}/21/1?lang=en", follow_redirects=False)
        assert moved.status_code == 307
        assert moved.headers["location"] == f"{PAGE}/21/1?lang=en"
        assert "You are the first to check" in phone.get(f"/01/{GTIN_B}/21/1?lang=en").text
        unknown = phone.get(f"/01/{GTIN_B}/21/778", follow_redirects=False)
    assert unknown.status_code == 404
    assert checks(issued, "1") == [(1, 1, True)]


def test_a_code_the_producer_never_issued_is_flagged_on_the_page(issued):
    with clients(issued, "198.51.100.1") as (phone,):
        page = phone.get(f"{PAGE}/21/777?lang=en")
    assert "The producer did not issue this code for this batch" in page.text
    assert checks(issued, "777") == [(1, 1, False)]


def test_the_checks_tables_hold_counts_times_and_provinces_only(world):
    columns = {
        table: {c for (c,) in query(
            world.url, "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
            (table,))}
        for table in ("public_checks", "public_check_places")
    }
    assert columns == {
        "public_checks": {"gtin", "serial", "batch_id", "site_id", "commissioned", "checks",
                          "first_at", "last_at", "window_start", "window_checks"},
        "public_check_places": {"gtin", "serial", "batch_id", "province", "checks", "first_at",
                                "last_at"},
    }


def test_often_and_far_apart_checks_raise_signals_the_inspector_sees(issued, world):
    hosts = [f"198.51.100.{n}" for n in range(1, 5)]
    with clients(issued, *hosts, api_checks_often=3, api_checks_far_km=300) as phones:
        for phone, province in zip(phones[:2], ("ha-noi", "ho-chi-minh"), strict=True):
            phone.get(f"{PAGE}/21/1")
            shared = phone.post(f"{PAGE}/21/1/place", data={"province": province})
            assert shared.status_code == 200 and "Cảm ơn bạn đã chia sẻ" in shared.text
        phones[0].post(f"{PAGE}/21/1/place", data={"province": "ca-mau"})  # once per client
        ignored = phones[3].post(f"{PAGE}/21/1/place", data={"province": "ca-mau"},
                                 follow_redirects=False)  # this client never checked the code
        assert ignored.status_code == 303
        last = phones[2].get(f"{PAGE}/21/1?lang=en")
        assert "checked unusually often" in last.text
        assert "checked in Hà Nội and TP. Hồ Chí Minh (about 11" in last.text
        inspector = phones[0].get("/api/signals", headers=auth(world, "inspector")).json()
        operator_a = phones[0].get("/api/signals", headers=auth(world, "op-a")).json()
        view = phones[0].get("/ui/signals?lang=en", headers=auth(world, "inspector")).text
    assert "checked unusually often" in view and "far-apart provinces" in view
    (product,) = inspector["products"]
    assert (product["site_id"], product["gtin"], product["codes"], product["checks"],
            product["flagged"]) == (SITE_B, GTIN_B, 1, 3, 1)
    assert query(issued, "SELECT province, checks FROM public_check_places ORDER BY 1") == [
        ("ha-noi", 1), ("ho-chi-minh", 1)]
    (code,) = inspector["codes"]
    assert code["signals"] == ["checked_often", "far_apart"]
    assert code["provinces"] == ["Hà Nội", "TP. Hồ Chí Minh"]
    assert operator_a == {"products": [], "codes": []}  # another site's products


def test_the_public_check_is_rate_limited_per_client(issued):
    with clients(issued, "198.51.100.1", "198.51.100.2", api_checks_per_minute=6,
                 api_checks_burst=3) as (greedy, polite):
        codes = [greedy.get(f"{PAGE}/21/{n}").status_code for n in range(1, 6)]
        assert codes == [200, 200, 200, 429, 429]
        refused = greedy.get(f"{PAGE}/21/9")
        assert int(refused.headers["Retry-After"]) >= 1
        assert polite.get(f"{PAGE}/21/1").status_code == 200
    counted = query(issued, "SELECT count(*), sum(checks) FROM public_checks")
    assert counted == [(3, 4)]


def test_a_new_window_opens_after_the_last_one_closed(issued):
    with clients(issued, "198.51.100.1", "198.51.100.2", api_checks_window_h=24) as (a, b):
        a.get(f"{PAGE}/21/1")
        query(issued, "UPDATE public_checks SET window_start = now() - interval '25 hours', "
                      "first_at = now() - interval '25 hours' RETURNING 1")
        b.get(f"{PAGE}/21/1")
    assert checks(issued, "1") == [(2, 1, True)]
