"""Browser sessions: CSRF refused whatever the body, security headers, cookie, login throttling."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import cloud.auth.secrets
from cloud.api.main import create_app
from cloud.settings.api import load_api_settings
from tests.cloud.api.seed import GTIN_A, LOT_A, PASSWORD, SITE_A
from tests.support.sql import query

OURS = {"Origin": "http://testserver"}
EVIL = {"Origin": "https://evil.example"}


def _client(database_url: str, **settings: object) -> TestClient:
    return TestClient(create_app(load_api_settings(database_url=database_url, **settings)))


@pytest.fixture
def browser(client, world) -> Iterator[TestClient]:
    """The API client, logged in as op-a with a session cookie."""
    answer = client.post(
        "/login",
        data={"username": "op-a", "password": PASSWORD},
        headers=OURS,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    yield client


def _state(world) -> str:
    return query(world.url, "SELECT state FROM alerts WHERE id = %s", (world.alert_a,))[0][0]


def test_cross_site_state_changes_are_refused_whatever_the_body(browser, world):
    ack = f"/api/alerts/{world.alert_a}/acknowledge"
    attempts = [
        browser.post(ack, data={"comment": "x"}, headers=EVIL),  # a form on another site
        browser.post(
            ack, content=b'{"comment": "x"}', headers={**EVIL, "content-type": "text/plain"}
        ),
        browser.post(ack, json={}),  # no Origin, no Referer
        browser.post(ack, json={}, headers={"Referer": "https://evil.example/page"}),
        browser.post(
            "/api/imports/batches",
            content=f"gtin,lot,site_id\n{GTIN_A},{LOT_A},{SITE_A}\n",
            headers={**EVIL, "content-type": "text/plain"},
        ),
        browser.post("/logout", headers=EVIL),
    ]
    assert [a.status_code for a in attempts] == [403] * len(attempts)
    assert {a.json()["error"]["code"] for a in attempts} == {"csrf"}
    assert _state(world) == "active_unack"
    assert browser.get("/api/me").status_code == 200  # the forged logout did not log out
    assert browser.post(ack, json={}, headers=OURS).status_code == 200
    assert _state(world) == "active_ack"
    referred = browser.post(
        f"/api/alerts/{world.alert_a}/clear", json={}, headers={"Referer": "http://testserver/ui"}
    )
    assert referred.status_code == 200


def test_login_from_another_site_is_refused(client, world):
    forged = client.post("/login", data={"username": "op-a", "password": PASSWORD}, headers=EVIL)
    assert forged.status_code == 403
    assert "set-cookie" not in forged.headers


def test_every_answer_carries_the_security_headers(client, world):
    for path in ("/login", "/api/me", f"/01/{GTIN_A}/10/{LOT_A}", "/static/app.js", "/nowhere"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff", path
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp, path
        assert "strict-transport-security" not in headers, path  # an http base URL


def test_https_base_means_hsts_and_a_secure_cookie(database_url, world):
    with _client(database_url, api_public_base_url="https://trace.example.org") as client:
        assert "max-age=" in client.get("/login").headers["strict-transport-security"]
        answer = client.post(
            "/login",
            data={"username": "op-a", "password": PASSWORD},
            headers={"Origin": "https://trace.example.org"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        assert "secure" in answer.headers["set-cookie"].lower()


def test_pages_have_no_inline_scripts_or_handlers(client, world):
    client.post("/login", data={"username": "admin", "password": PASSWORD}, headers=OURS)
    for path in (
        "/",
        "/ui/batches",
        f"/ui/batches/{world.batch_a}",
        "/ui/alerts",
        "/ui/devices",
        "/ui/completeness",
        f"/01/{GTIN_A}/10/{LOT_A}",
        "/login",
    ):
        page = client.get(path).text.lower()
        assert "<script>" not in page and "<script " not in page.replace(
            '<script src="/static/app.js" defer>', ""
        ), path
        assert " onclick=" not in page and " onsubmit=" not in page and " style=" not in page, path


def _login(client, username, password, address_headers=OURS):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        headers=address_headers,
        follow_redirects=False,
    )


def test_logins_are_throttled_per_account_and_per_address(database_url, world):
    limits = {"api_login_failures_per_account": 3, "api_login_failures_per_address": 5}
    with _client(database_url, **limits) as client:
        assert [_login(client, "op-a", "wrong").status_code for _ in range(3)] == [401] * 3
        throttled = _login(client, "op-a", PASSWORD)  # even the right password waits now
        assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
        assert _login(client, "op-b", PASSWORD).status_code == 303  # another account: fine
        # One address trying many names: the address is throttled.
        assert [_login(client, f"guess-{i}", "x").status_code for i in range(2)] == [401, 401]
        assert _login(client, "admin", PASSWORD).status_code == 429
    rows = query(world.url, "SELECT username, address FROM login_failures ORDER BY id")
    assert rows[0] == ("op-a", "testclient") and len(rows) == 5


def test_unknown_and_known_names_cost_the_same_work(client, world, monkeypatch):
    calls = []
    real = cloud.auth.secrets.verify_password

    def counted(password, stored):
        calls.append(stored is not None)
        return real(password, stored)

    monkeypatch.setattr(cloud.auth.secrets, "verify_password", counted)
    assert _login(client, "op-a", "wrong").status_code == 401
    assert _login(client, "nobody-at-all", "wrong").status_code == 401
    assert calls == [True, True]  # one scrypt each, against a real hash each
