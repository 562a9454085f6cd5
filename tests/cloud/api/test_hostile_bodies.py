"""Every request body the API takes, sent hostile: a 4xx with the one error body, never a 500.

Each operation with a request body in the OpenAPI document gets nesting bombs, numbers with
thousands of digits, NaN, invalid UTF-8, JSON of the wrong shape and a body over its limit;
the CSV imports get grammar-fuzzed files (hypothesis). Requests go through the real app
(with its body limits) to a real, seeded database, as an admin so that they reach the routes.
"""

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cloud.api.conftest import auth

HOSTILE_BODIES = {
    "array bomb": b"[" * 200_000 + b"]" * 200_000,
    "object bomb": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "unbalanced": b'{"name":' + b"[" * 500_000,
    "10,000 digits": b'{"name": ' + b"9" * 10_000 + b"}",
    "NaN": b'{"name": NaN, "value": -Infinity}',
    "invalid UTF-8": b'{"name": "\xff\xfe"}',
    "lone surrogate": b'{"name": "\\ud800"}',
    "NUL": b'{"name": "a\\u0000b", "comment": "\\u0000"}',
    "a string": b'"text"',
    "a list": b"[1, 2]",
    "null": b"null",
    "empty": b"",
    "over the limit": b'{"name": "' + b"x" * (1024 * 1024) + b'"}',
}


def _operations(client: Any) -> list[tuple[str, str]]:
    """(method, concrete path) of every operation that may take a request body."""
    found = []
    for path, item in client.get("/openapi.json").json()["paths"].items():
        for method in item:
            if method in ("post", "put", "patch", "delete"):
                found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return found


def _is_error_body(response: Any) -> bool:
    error = response.json().get("error", {})
    return bool(error.get("code")) and bool(error.get("message"))


def test_every_body_route_answers_hostile_bodies_with_a_4xx(client, world) -> None:
    operations = _operations(client)
    assert len(operations) >= 9 and ("POST", "/epcis/capture") in operations
    headers = {**auth(world, "admin"), "Content-Type": "application/json"}
    failures = []
    for method, path in operations:
        for name, body in HOSTILE_BODIES.items():
            response = client.request(method, path, content=body, headers=headers)
            if not 400 <= response.status_code < 500 or not _is_error_body(response):
                failures.append(f"{method} {path} {name}: {response.status_code}")
    assert failures == []


def test_the_login_form_takes_hostile_bodies_without_a_server_error(client) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded", "Origin": "http://testserver"}
    for body in (b"username=%ff%fe&password=\x00", b"&&&===%%%", b"a=" + b"%" * 10_000):
        assert client.post("/login", content=body, headers=form).status_code == 401
    assert client.post("/login", content=b"x" * 17_000, headers=form).status_code == 413


PRODUCT_COLUMNS = ["gtin", "name", "product_group", "ocop_stars", "shelf_life_days", "serialised"]
CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["8936012345001", "8936012345018", "dried-fruit", "5", "-1", "true", ""]),
    st.text(alphabet='",\r\n\\;', max_size=10),
    st.just("9" * 5000),
    st.just("x" * 140_000),  # past the csv module's field limit
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV text from a grammar: a header of real and unknown columns, then rows of cells."""
    columns = draw(
        st.lists(st.sampled_from([*PRODUCT_COLUMNS, "extra", ""]), min_size=0, max_size=8)
    )
    rows = draw(st.lists(st.lists(CELLS, max_size=9), max_size=6))

    def line(cells: list[str]) -> str:
        quote = draw(st.booleans())
        return ",".join(f'"{c}"' if quote else c for c in cells)

    text = "\n".join([line(columns), *(line(row) for row in rows)])
    data = text.encode()
    if draw(st.booleans()):
        data = draw(st.sampled_from([b"\xef\xbb\xbf", b"\xff\xfe", b"", b"\x00"])) + data
    return data


BODIES = csv_files() | st.binary(max_size=300)


@pytest.fixture
def admin_headers(world) -> dict[str, str]:
    return {**auth(world, "admin"), "Content-Type": "text/csv"}


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES, kind=st.sampled_from(["products", "batches"]))
def test_csv_imports_answer_any_file_with_a_result_or_a_4xx(client, admin_headers, body, kind):
    response = client.post(f"/api/imports/{kind}", content=body, headers=admin_headers)
    assert response.status_code == 200 or (
        400 <= response.status_code < 500 and _is_error_body(response)
    ), (response.status_code, response.text[:300])
