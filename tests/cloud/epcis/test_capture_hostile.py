"""EPCIS capture of hostile documents: always 202 or a 4xx with the one error body, never a 500.

Grammar-based fuzzing: a valid capture document with fields replaced by arbitrary JSON (deeply
nested and huge included), extension fields holding deep values, nesting bombs, huge event
lists, numbers with thousands of digits and raw bytes, posted to the real API on a real
database.
"""

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
EVENT: dict[str, Any] = {
    "type": "ObjectEvent",
    "eventTime": "2026-11-01T06:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "readPoint": {"id": "urn:epc:id:sgln:0614141.07346.1234"},
}
DOCUMENT: dict[str, Any] = {
    "@context": [CONTEXT, {"ex": "https://example.org/ext/"}],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-11-01T06:00:00.000+07:00",
    "epcisBody": {"eventList": [EVENT]},
}

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=6), inner, max_size=5)
    ),
    max_leaves=40,
)


def _deep(value: Any, levels: int, kind: str) -> Any:
    for _ in range(levels):
        value = [value] if kind == "list" else {"ex:k": value}
    return value


DEEP_VALUES = st.builds(
    _deep, JSON_VALUES, st.integers(min_value=1, max_value=60), st.sampled_from(["list", "dict"])
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """The valid document with a field of the document, its body or its event replaced."""
    document = copy.deepcopy(DOCUMENT)
    event = document["epcisBody"]["eventList"][0]
    nodes = [document, document["epcisBody"], event, event["readPoint"]]  # before any change
    for _ in range(draw(st.integers(1, 3))):
        node = draw(st.sampled_from(nodes))
        name = draw(st.sampled_from([*node, "ex:extension", draw(st.text(max_size=6))]))
        node[name] = draw(JSON_VALUES | DEEP_VALUES)
    return json.dumps(document).encode()


def _bomb(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"ex:k":' * depth + b"1" + b"}" * depth


@st.composite
def bombs(draw: st.DrawFn) -> bytes:
    """Nesting bombs where the document allows any JSON (an extension), or at the top."""
    bomb = _bomb(draw(st.integers(20, 50_000)), draw(st.sampled_from(["list", "dict"])))
    if draw(st.booleans()):
        return bomb
    text = json.dumps(DOCUMENT).replace('"action"', '"ex:deep": @, "action"')
    return text.encode().replace(b"@", bomb)


HUGE_LISTS = st.builds(
    lambda n: json.dumps({**DOCUMENT, "epcisBody": {"eventList": [EVENT] * n}}).encode(),
    st.integers(min_value=0, max_value=300),
)
ODD_NUMBERS = st.sampled_from([b"9" * 5000, b"NaN", b"-Infinity", b"1e999", b"-0.0e-99999"]).map(
    lambda number: json.dumps(DOCUMENT).replace('"OBSERVE"', "@").encode().replace(b"@", number)
)
BODIES = mutated_documents() | bombs() | HUGE_LISTS | ODD_NUMBERS | st.binary(max_size=500)


def test_the_base_document_is_captured(client) -> None:
    response = client.post("/epcis/capture", content=json.dumps(DOCUMENT).encode())
    assert response.status_code == 202, response.text


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES)
def test_any_body_is_captured_or_refused_with_the_error_body(client, body: bytes) -> None:
    response = client.post(
        "/epcis/capture", content=body, headers={"Content-Type": "application/ld+json"}
    )
    assert response.status_code in (202, 400, 413, 422), response.text[:500]
    if response.status_code != 202:
        error = response.json()["error"]
        assert error["code"] and error["message"]
