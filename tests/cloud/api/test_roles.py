"""Authentication and roles: 401 without credentials, 403 for the wrong role, site isolation."""

import pytest

from tests.cloud.api.conftest import auth
from tests.cloud.api.seed import PASSWORD, SITE_A, SITE_B

PROTECTED = [
    "/api/me",
    "/api/products",
    "/api/batches",
    "/api/locations",
    "/api/alerts",
    "/api/devices",
    "/api/dead-letters",
    "/api/completeness",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_every_api_route_needs_credentials(client, world, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_unknown_token_is_401(client, world):
    response = client.get("/api/me", headers={"Authorization": "Bearer txng_nope"})
    assert response.status_code == 401


def test_tokens_are_stored_hashed(client, world):
    from tests.support.sql import query

    stored = [bytes(r[0]) for r in query(world.url, "SELECT token_hash FROM api_tokens")]
    assert all(len(h) == 32 for h in stored)
    assert all(t.encode() not in stored for t in world.tokens.values())
    hashes = query(world.url, "SELECT password_hash FROM users")
    assert all(h[0].startswith("scrypt$") and PASSWORD not in h[0] for h in hashes)


def test_me_names_role_and_site(client, world):
    assert client.get("/api/me", headers=auth(world, "op-a")).json() == {
        "username": "op-a",
        "role": "operator",
        "site": SITE_A,
    }
    assert client.get("/api/me", headers=auth(world, "inspector")).json()["site"] is None


def test_operator_sees_only_own_site(client, world):
    headers = auth(world, "op-a")
    for path, key in (
        ("/api/batches", "site_id"),
        ("/api/alerts", "site_id"),
        ("/api/devices", "site_id"),
        ("/api/locations", "site_id"),
        ("/api/dead-letters", "site_id"),
    ):
        items = client.get(path, headers=headers).json()["items"]
        assert items, path
        assert {i[key] for i in items} == {SITE_A}, path
    assert {r["site_id"] for r in client.get("/api/completeness", headers=headers).json()} == {
        SITE_A
    }


def test_operator_cannot_reach_another_sites_rows(client, world):
    headers = auth(world, "op-a")
    assert client.get(f"/api/batches/{world.batch_b}", headers=headers).status_code == 404
    assert client.get(f"/api/batches/{world.batch_b}/timeline", headers=headers).status_code == 404
    assert client.get(f"/api/batches/{world.batch_b}/readings", headers=headers).status_code == 404
    assert client.get(f"/api/alerts/{world.alert_b}", headers=headers).status_code == 404
    ack = client.post(f"/api/alerts/{world.alert_b}/acknowledge", headers=headers, json={})
    assert ack.status_code == 404
    assert client.get(f"/api/devices/{SITE_B}/pi-line-09", headers=headers).status_code == 404
    forbidden = client.get(f"/api/batches?site={SITE_B}", headers=headers)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"


def test_other_operator_sees_the_other_site(client, world):
    items = client.get("/api/batches", headers=auth(world, "op-b")).json()["items"]
    assert [b["id"] for b in items] == [world.batch_b]


@pytest.mark.parametrize("who", ["admin", "inspector"])
def test_admin_and_inspector_see_every_site(client, world, who):
    items = client.get("/api/batches", headers=auth(world, who)).json()["items"]
    assert {b["site_id"] for b in items} == {SITE_A, SITE_B}


def test_inspector_is_read_only(client, world):
    headers = auth(world, "inspector")
    for path in (
        f"/api/alerts/{world.alert_a}/acknowledge",
        f"/api/alerts/{world.alert_a}/clear",
        f"/api/devices/{SITE_A}/pi-cold-01/approve",
        f"/api/devices/{SITE_A}/pi-cold-01/rotate-credentials",
        f"/api/dead-letters/{world.letter_a}/replay",
    ):
        response = client.post(path, headers=headers, json={})
        assert response.status_code == 403, path
    response = client.post(
        "/api/imports/batches",
        headers=headers,
        content=b"gtin,lot\n",
    )
    assert response.status_code == 403


SAME_ORIGIN = {"Origin": "http://testserver"}


def test_login_sets_an_httponly_strict_session_cookie(client, world):
    bad = client.post("/login", data={"username": "op-a", "password": "wrong"}, headers=SAME_ORIGIN)
    assert bad.status_code == 401
    ok = client.post(
        "/login",
        data={"username": "op-a", "password": PASSWORD, "next": "/ui/alerts"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert ok.headers["location"] == "/ui/alerts"
    cookie = ok.headers["set-cookie"]
    assert "txng_session=" in cookie and "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower() and "secure" not in cookie.lower()  # http base
    assert client.get("/api/me").json()["username"] == "op-a"
    client.post("/logout", headers=SAME_ORIGIN, follow_redirects=False)
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401


def test_login_redirect_stays_on_this_site(client, world):
    ok = client.post(
        "/login",
        data={"username": "admin", "password": PASSWORD, "next": "//evil.example/"},
        headers=SAME_ORIGIN,
        follow_redirects=False,
    )
    assert ok.headers["location"] == "/"


def test_pages_redirect_to_login(client, world):
    for path in (
        "/",
        "/ui/batches",
        f"/ui/batches/{world.batch_a}",
        "/ui/alerts",
        "/ui/devices",
        "/ui/completeness",
    ):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login")
