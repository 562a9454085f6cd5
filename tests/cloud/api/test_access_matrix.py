"""The authorization matrix, generated from the route table.

Every route, called by {anonymous, operator of site A, operator of site B, inspector, admin}
about a resource of site A and of site B: the status the route's declaration (cloud/api/access.py)
promises, and no answer naming the other site's GTIN, lot, location, device or site. A route's
request is built from its parameters' names (path_values, QUERY, body_for): a new route with a
parameter the matrix does not know fails here until it is added.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient

from cloud.api.access import Access, Sites, access_of
from cloud.api.main import create_app
from cloud.db.pool import Database
from cloud.epcis.naming import Naming
from cloud.masterdata.rows import gs1_check_digit
from cloud.settings.api import load_api_settings
from cloud.settings.epcis import EpcisSettings
from tests.cloud.api.seed import (
    DEVICE_A,
    DEVICE_B,
    GTIN_A,
    GTIN_B,
    LOT_A,
    LOT_B,
    SITE_A,
    SITE_B,
    World,
    ingest,
    seed,
)
from tests.support.factory import message, scan_of
from tests.support.postgres import create_database, drop_database
from tests.support.sql import query

CALLERS = ("anonymous", "op-a", "op-b", "inspector", "admin")
SITE_OF_OPERATOR = {"op-a": SITE_A, "op-b": SITE_B}
PLACES = {SITE_A: ("cold-room-1", "plot-7"), SITE_B: ("line-1",)}
KEYS = {SITE_A: (GTIN_A, LOT_A, DEVICE_A), SITE_B: (GTIN_B, LOT_B, DEVICE_B)}
UNITS = {SITE_A: "089350000000000017", SITE_B: "089350000000000024"}  # one that left each site
SERIALS = {SITE_A: "SN-A-1", SITE_B: "SN-B-1"}  # a serialised unit of each site's batch


def markers(site: str) -> set[str]:
    """What names a site in an answer: its id, GTIN (14 and 13 digits), lot, places, device."""
    gtin, lot, device = KEYS[site]
    return {site, gtin, gtin[1:], lot, device, UNITS[site], *PLACES[site]}


def other(site: str) -> str:
    return SITE_B if site == SITE_A else SITE_A


@dataclass
class Matrix:
    """The seeded world plus what the matrix adds: a dead letter and a capture per site."""

    world: World
    letters: dict[str, int]
    captures: dict[str, str]
    client: TestClient
    jobs: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def epcis_document(site: str) -> dict[str, Any]:
    """An EPCIS document of one receiving at the site's first place, naming its batch."""
    naming = Naming(EpcisSettings())
    gtin, lot, _ = KEYS[site]
    place = naming.location(site, PLACES[site][0], None, None)
    at = (datetime.now(UTC) - timedelta(hours=1)).replace(microsecond=0)
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": at.isoformat().replace("+00:00", "Z"),
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": at.isoformat().replace("+00:00", "Z"),
                    "eventTimeZoneOffset": "+07:00",
                    "action": "OBSERVE",
                    "bizStep": "receiving",
                    "bizLocation": {"id": place},
                    "readPoint": {"id": place},
                    "epcList": [],
                    "quantityList": [{"epcClass": naming.batch(gtin, lot)}],
                }
            ]
        },
    }


@pytest.fixture(scope="module")
def matrix(migrated_template: str) -> Iterator[Matrix]:
    url = create_database(template=migrated_template)
    world = seed(url)
    database = Database(url, max_connections=1)
    try:  # a dead letter of site B too (seed() makes one of site A)
        ingest(database, [(f"txng/v1/{SITE_B}/{DEVICE_B}/events", b"[1")], datetime.now(UTC))
    finally:
        database.close()
    letter_b = query(url, "SELECT max(id) FROM dead_letters WHERE site_id = %s", (SITE_B,))[0][0]
    database = Database(url, max_connections=1)
    try:  # a unit that stayed at each site and left it (its shipping scan: a shipment)
        for site, unit in UNITS.items():
            query(
                url,
                "INSERT INTO presence (sscc, site_id, location, start_time, end_time, "
                "open_event) VALUES (%s, %s, %s, now() - interval '2 hours', "
                "now() - interval '1 hour', gen_random_uuid()) RETURNING id",
                (unit, site, PLACES[site][0]),
            )
            left = datetime.now(UTC) - timedelta(hours=1)
            shipped = scan_of(9, at=left, location=PLACES[site][0], biz_step="shipping", sscc=unit)
            device = KEYS[site][2]
            ingest(database, [message([shipped], site=site, device=device)], datetime.now(UTC))
    finally:
        database.close()
    query(
        url,
        "INSERT INTO commissioned_items (gtin, serial, batch_id) VALUES (%s, %s, %s), "
        "(%s, %s, %s) RETURNING serial",
        (GTIN_A, SERIALS[SITE_A], world.batch_a, GTIN_B, SERIALS[SITE_B], world.batch_b),
    )
    # Labels print with a GS1 date: an expiry GS1 can write (the seed's 2099 reads as 1999).
    query(url, "UPDATE batches SET expiry_date = current_date + 180 RETURNING id")
    app = create_app(load_api_settings(database_url=url))
    with TestClient(app) as client:
        jobs = {}
        for site, who, batch in ((SITE_A, "op-a", world.batch_a), (SITE_B, "op-b", world.batch_b)):
            printed = client.post(
                f"/api/batches/{batch}/labels", json={"serials": 2, "format": "zpl"},
                headers={"Authorization": f"Bearer {world.tokens[who]}"},
            )
            assert printed.status_code == 200, printed.text
            jobs[site] = int(printed.headers["X-Label-Job"])
        captures = {}
        for site, who in ((SITE_A, "op-a"), (SITE_B, "op-b")):
            answer = client.post(
                "/epcis/capture",
                content=json.dumps(epcis_document(site)),
                headers={"Authorization": f"Bearer {world.tokens[who]}"},
            )
            assert answer.status_code == 202, answer.text
            captures[site] = answer.json()["captureID"]
        yield Matrix(world, {SITE_A: world.letter_a, SITE_B: letter_b}, captures, client, jobs)
    drop_database(url)


def path_values(m: Matrix, site: str) -> dict[str, str]:
    """A resource of `site` for each path parameter the application's routes use."""
    gtin, lot, device = KEYS[site]
    w = m.world
    return {
        "batch_id": str(w.batch_a if site == SITE_A else w.batch_b),
        "alert_id": str(w.alert_a if site == SITE_A else w.alert_b),
        "letter_id": str(m.letters[site]),
        "site": site,
        "device": device,
        "gtin": gtin,
        "lot": lot,
        "capture_id": m.captures[site],
        "sscc": UNITS[site],
        "serial": SERIALS[site],
        "job_id": str(m.jobs[site]),
    }


# Path parameters that name no site's resource.
NEUTRAL_PATH = {"code": "en"}
# Required query parameters (optional ones are left out, except `site`).
QUERY = {"from": str(date.today() - timedelta(days=2)), "to": str(date.today() + timedelta(days=1))}
# Required query parameters that name a site's resource (a step of its batch: its first scan's).
SITE_QUERY = {
    "biz_step": {SITE_A: "receiving", SITE_B: "packing"},
    "location": {SITE_A: "cold-room-1", SITE_B: "line-1"},
}


def body_for(m: Matrix, path: str, site: str) -> dict[str, Any] | None:
    """The request body of a route that needs one, about `site` (None: a JSON `{}`)."""
    gtin, lot, _ = KEYS[site]
    if path == "/api/labels/sscc":
        batch = m.world.batch_a if site == SITE_A else m.world.batch_b
        sscc = UNITS[site][:17] + str(gs1_check_digit(UNITS[site][:17]))  # a label's is checked
        return {"json": {"sscc": [sscc], "batch_id": batch, "count": 10, "format": "zpl"}}
    if path == "/01/{gtin}/10/{lot}/21/{serial}/place":
        return {"data": {"province": "hung-yen"}}
    if path == "/api/imports/batches":
        return {"content": f"gtin,lot,site_id\n{gtin},{lot},{site}\n".encode()}
    if path == "/api/imports/products":
        name = "Long nhãn sấy" if site == SITE_A else "Cà phê hạt"
        return {"content": f"gtin,name\n{gtin},{name}\n".encode()}
    if path == "/epcis/capture":
        return {"content": json.dumps(epcis_document(site)).encode()}
    if path == "/login":
        return {"data": {"username": "op-a", "password": "wrong"}}
    return None


# Site-bound bodies: the request is about the site its body names.
BODY_NAMES_SITE = {
    "/api/imports/batches", "/api/imports/products", "/epcis/capture", "/api/labels/sscc",
}
# What an allowed call may answer besides 2xx/3xx: a state that forbids the change (409), a
# failed login (401).
ALSO_OK = {
    ("POST", "/api/alerts/{alert_id}/acknowledge"): {409},
    ("POST", "/api/alerts/{alert_id}/clear"): {409},
    ("POST", "/api/dead-letters/{letter_id}/replay"): {409},
    ("POST", "/login"): {401, 429},  # a wrong password, then too many of them
    # a serialised code's public checks: a client past its rate
    ("GET", "/01/{gtin}/10/{lot}/21/{serial}"): {429},
    ("POST", "/01/{gtin}/10/{lot}/21/{serial}/place"): {429},
}


@dataclass(frozen=True)
class Call:
    """One cell's request: method, URL, body, and the site it is about (None: no site)."""

    method: str
    url: str
    about: str | None
    body: dict[str, Any] | None


def call_for(m: Matrix, route: Any, site: str) -> Call:
    """The request of `route` about `site` (AssertionError: a parameter the matrix lacks)."""
    method = sorted((route.methods or {"GET"}) - {"HEAD"})[0]
    path: str = route.path
    if path == "/static":
        return Call("GET", "/static/app.js", None, None)
    about = None
    url = path
    dependant = getattr(route, "dependant", None)
    names = [p.name for p in dependant.path_params] if dependant else []
    for name in names:
        if name in NEUTRAL_PATH:
            url = url.replace(f"{{{name}}}", NEUTRAL_PATH[name])
            continue
        values = path_values(m, site)
        assert name in values, f"{path}: add a resource for path parameter {name!r}"
        url = url.replace(f"{{{name}}}", values[name])
        about = site
    params = {}
    for param in dependant.query_params if dependant else []:
        key = param.alias or param.name
        if key == "site":
            params["site"] = site
            about = site
        elif param.field_info.is_required() and key in SITE_QUERY:
            params[key] = SITE_QUERY[key][site]
            about = site
        elif param.field_info.is_required():
            assert key in QUERY, f"{path}: add a value for query parameter {key!r}"
            params[key] = QUERY[key]
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    body = body_for(m, path, site) if method != "GET" else None
    if path in BODY_NAMES_SITE:
        about = site
    return Call(method, url, about, body)


def expected(access: Access, caller: str, call: Call) -> str:
    """What the declaration promises: ok, login (303 to /login), 401, 403 or denied (403/404)."""
    if access.public:
        return "ok"
    if caller == "anonymous":
        return "login" if access.page else "401"
    role = "operator" if caller in SITE_OF_OPERATOR else caller
    if role not in access.roles:
        return "403"
    own = SITE_OF_OPERATOR.get(caller)
    if own is not None and access.sites is Sites.OWN and call.about not in (None, own):
        return "denied"
    return "ok"


def check(m: Matrix, route: Any, caller: str, site: str) -> list[str]:
    """The problems of one cell (empty: as declared, and nothing of another site shown)."""
    declared = access_of(route)
    call = call_for(m, route, site)
    headers = {} if caller == "anonymous" else {"Authorization": f"Bearer {m.world.tokens[caller]}"}
    m.client.cookies.clear()
    kwargs = call.body if call.body is not None else ({"json": {}} if call.method != "GET" else {})
    if call.method != "GET" and caller == "anonymous":
        headers["Origin"] = "http://testserver"  # a browser's own page (CSRF: test_browser.py)
    response = m.client.request(
        call.method, call.url, headers=headers, follow_redirects=False, **kwargs
    )
    status = response.status_code
    want = expected(declared, caller, call)
    also = ALSO_OK.get((call.method, route.path), set())
    good = {
        "ok": status < 400 or status in also,
        "login": status == 303 and response.headers.get("location", "").startswith("/login"),
        "401": status == 401,
        "403": status == 403,
        "denied": status in (403, 404),
    }[want]
    cell = f"{call.method} {call.url} as {caller}"
    problems = [] if good else [f"{cell}: {status}, declared {want}: {response.text[:160]}"]
    text = response.text
    if status < 400 or status in also:
        if call.about is not None:
            hidden = markers(other(call.about))
        elif caller in SITE_OF_OPERATOR:
            hidden = markers(other(SITE_OF_OPERATOR[caller]))
        else:
            hidden = set()
    else:  # a refusal tells nothing of the site asked about that the request did not name
        hidden = markers(call.about) if call.about else set()
        if caller in SITE_OF_OPERATOR:
            hidden -= markers(SITE_OF_OPERATOR[caller])
        hidden = {h for h in hidden if h not in call.url and h not in str(call.body)}
    shown = sorted(h for h in hidden if h in text)
    if shown:
        problems.append(f"{cell}: {status}, names {shown}")
    return problems


APP_ROUTES = list(
    iter_route_contexts(create_app(load_api_settings(database_url="postgresql:///none")).routes)
)


@pytest.mark.parametrize(
    "route",
    APP_ROUTES,
    ids=[f"{sorted((r.methods or {'GET'}) - {'HEAD'})[0]} {r.path}" for r in APP_ROUTES],
)
def test_route_keeps_its_declaration_for_every_caller_and_site(matrix, route):
    problems = [
        problem
        for caller in CALLERS
        for site in (SITE_A, SITE_B)
        for problem in check(matrix, route, caller, site)
    ]
    assert not problems, "\n".join(problems)
