"""Decoding any bytes is safe: every hostile payload ends as items or a ContractError.

The listed cases of the hostile-input issue one by one, then grammar-based fuzzing: JSON built
from a grammar (deeply nested and huge documents, envelopes with mutated fields, numbers with
thousands of digits, bytes spliced into valid envelopes), decoded by the real `decode`.
"""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloud.db.ingest_store import item_json
from contract import ContractError, ContractErrorReason, decode
from contract.envelope import MAX_NESTING_DEPTH
from tests.support.factory import DEVICE, SITE, message, reading, scan
from tests.support.hostile import HEAD, hostile_payloads

TOPIC = f"txng/v1/{SITE}/{DEVICE}/readings"
VALID = message([reading(1), reading(2)])[1]
HOSTILE = hostile_payloads()


def _item_with(**changes: object) -> bytes:
    document = json.loads(VALID)
    document["items"][0].update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_each_hostile_payload_is_a_contract_error_with_a_reason(case: str) -> None:
    payload, reason = HOSTILE[case]
    with pytest.raises(ContractError) as caught:
        decode(TOPIC, payload)
    assert caught.value.reason is reason
    assert len(caught.value.detail) < 500


def test_duplicate_keys_keep_the_last_value_as_every_json_parser_here_does() -> None:
    payload = _item_with(value=4.5).replace(b'"value":4.5', b'"value":99.0,"value":4.5')
    decoded = decode(TOPIC, payload)
    assert [item.value for item in decoded.items] == [4.5, 4.0]  # type: ignore[union-attr]


def test_big_but_bounded_numbers_are_refused_by_the_item_not_the_message() -> None:
    payload = _item_with(seq=10**30)
    decoded = decode(TOPIC, payload)
    assert [r.error.field for r in decoded.rejected] == ["items[0].seq"]
    assert len(decoded.items) == 1


# Grammar-based fuzzing ------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=8), inner, max_size=6)
    ),
    max_leaves=60,
)
ENVELOPE_FIELDS = ["v", "site", "device", "sent_at", "items"]
ITEM_FIELDS = [
    "id",
    "device_time",
    "clock",
    "seq",
    "sensor",
    "location",
    "quantity",
    "value",
    "unit",
]


def _nest(depth: int, kind: str) -> bytes:
    opening, closing = (b"[", b"]") if kind == "list" else (b'{"k":', b"}")
    return opening * depth + b"0" + closing * depth


@st.composite
def mutated_envelopes(draw: st.DrawFn) -> bytes:
    """A valid envelope with fields replaced by arbitrary JSON, deleted or added."""
    document = json.loads(message([reading(n) for n in range(draw(st.integers(1, 5)))])[1])
    for _ in range(draw(st.integers(1, 4))):
        items = document.get("items")
        in_item = draw(st.booleans()) and isinstance(items, list) and bool(items)
        in_item = in_item and isinstance(items[0], dict)  # type: ignore[index]
        node = items[0] if in_item else document  # type: ignore[index]
        names = ITEM_FIELDS if in_item else ENVELOPE_FIELDS
        name = draw(st.sampled_from([*names, draw(st.text(max_size=5))]))
        if draw(st.booleans()):
            node[name] = draw(JSON_VALUES)
        else:
            node.pop(name, None)
    return json.dumps(document).encode()


@st.composite
def nesting_bombs(draw: st.DrawFn) -> bytes:
    """Deep arrays or objects in an item, at the top, or unbalanced."""
    depth = draw(st.integers(min_value=MAX_NESTING_DEPTH - 3, max_value=20_000))
    bomb = _nest(depth, draw(st.sampled_from(["list", "object"])))
    where = draw(st.sampled_from(["items", "item value", "top", "unbalanced"]))
    if where == "items":
        return HEAD + b'"items":[' + bomb + b"]}"
    if where == "item value":
        return VALID.replace(b'"value":4.0', b'"value":' + bomb, 1)
    if where == "top":
        return bomb
    return HEAD + b'"items":' + b"[" * depth


@st.composite
def spliced_bytes(draw: st.DrawFn) -> bytes:
    """A valid envelope with random bytes written over, inserted or cut."""
    payload = bytearray(VALID)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(payload)))
        junk = draw(st.binary(max_size=12))
        action = draw(st.sampled_from(["insert", "overwrite", "cut"]))
        if action == "insert":
            payload[at:at] = junk
        elif action == "overwrite":
            payload[at : at + len(junk)] = junk
        else:
            del payload[at : at + draw(st.integers(1, 40))]
    return bytes(payload)


HUGE = st.builds(
    lambda n, filler: HEAD + b'"items":[' + b",".join([filler] * n) + b"]}",
    st.integers(min_value=1, max_value=40_000),
    st.sampled_from([b"{}", b"[]", b"0", b'"x"', b"null", b'{"value":1e999}', b"9" * 300]),
)
PAYLOADS = (
    mutated_envelopes()
    | nesting_bombs()
    | spliced_bytes()
    | HUGE
    | st.binary(max_size=2000)
    | JSON_VALUES.map(lambda v: json.dumps(v).encode())
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=PAYLOADS, channel=st.sampled_from(["readings", "events", "status"]))
def test_decode_returns_items_or_raises_a_contract_error(payload: bytes, channel: str) -> None:
    topic = f"txng/v1/{SITE}/{DEVICE}/{channel}"
    try:
        decoded = decode(topic, payload)
    except ContractError as err:
        assert isinstance(err.reason, ContractErrorReason)
        return
    for rejection in decoded.rejected:  # what the ingester stores as an item's dead letter
        assert item_json(rejection.raw)
    assert decoded.items or decoded.rejected


def test_a_valid_scan_message_still_decodes() -> None:
    topic, payload = message([scan(1)])
    assert len(decode(topic, payload).items) == 1
