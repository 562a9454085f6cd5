import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from contract import (
    MAX_MESSAGE_BYTES,
    ContractError,
    ContractErrorReason,
    DeviceState,
    DeviceStatus,
    Envelope,
    decode,
    encode,
    new_item_id,
)
from tests.support.factory import DEVICE, SITE, message, reading, scan

READINGS_TOPIC = f"txng/v1/{SITE}/{DEVICE}/readings"


def _document(items=None, **changes):
    _, payload = message(items or [reading(1)])
    document = json.loads(payload)
    document.update(changes)
    return document


def _decode(document, topic=READINGS_TOPIC):
    return decode(topic, json.dumps(document).encode())


def _reason(call) -> ContractError:
    with pytest.raises(ContractError) as caught:
        call()
    return caught.value


def test_readings_round_trip():
    items = [reading(i, value=3.5 + i) for i in range(5)]
    topic, payload = message(items)
    decoded = decode(topic, payload)
    assert decoded.items == items
    assert decoded.rejected == []
    assert decoded.topic.site == SITE


def test_scan_round_trip_keeps_gs1_identifiers():
    event = scan(7, raw="]C1010893500000001110LOT-1\x1d21SN42")
    topic, payload = message([event])
    (decoded,) = decode(topic, payload).items
    assert decoded == event
    assert decoded.gs1 is not None and decoded.gs1.gtin == "08935000000011"


def test_status_round_trip():
    status = DeviceStatus(
        id=new_item_id(),
        device_time=datetime.now(UTC),
        clock="unsynced",
        seq=3,
        state=DeviceState.OFFLINE,
    )
    payload = encode(Envelope(site=SITE, device=DEVICE, items=[status]))
    assert decode(f"txng/v1/{SITE}/{DEVICE}/status", payload).items == [status]


def test_device_time_is_normalised_to_utc():
    local = datetime(2026, 11, 1, 13, 0, tzinfo=timezone(timedelta(hours=7)))
    item = (
        reading(1)
        .model_copy(update={})
        .model_validate({**reading(1).model_dump(), "device_time": local})
    )
    assert item.device_time == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert item.device_time.utcoffset() == timedelta(0)


def test_naive_device_time_is_refused():
    with pytest.raises(ValidationError):
        reading(1).model_validate({**reading(1).model_dump(), "device_time": "2026-11-01T06:00"})


def test_item_ids_are_unique_and_time_ordered():
    ids = [new_item_id() for _ in range(2000)]
    assert len(set(ids)) == 2000
    assert all(i.version == 7 for i in ids)
    assert [i.int >> 80 for i in ids] == sorted(i.int >> 80 for i in ids)


def test_oversized_message():
    error = _reason(lambda: decode(READINGS_TOPIC, b" " * (MAX_MESSAGE_BYTES + 1)))
    assert error.reason is ContractErrorReason.OVERSIZED


@pytest.mark.parametrize("payload", [b"{not json", b"\xff\xfe", b""])
def test_malformed_json(payload):
    assert _reason(lambda: decode(READINGS_TOPIC, payload)).reason is (
        ContractErrorReason.MALFORMED_JSON
    )


def test_unknown_version():
    error = _reason(lambda: _decode(_document(v=2)))
    assert (error.reason, error.field) == (ContractErrorReason.UNKNOWN_VERSION, "v")


def test_missing_version_names_the_field():
    document = _document()
    del document["v"]
    error = _reason(lambda: _decode(document))
    assert (error.reason, error.field) == (ContractErrorReason.SCHEMA, "v")


def test_topic_payload_mismatch():
    error = _reason(lambda: _decode(_document(device="someone-else")))
    assert (error.reason, error.field) == (ContractErrorReason.TOPIC_MISMATCH, "device")


def test_items_must_be_a_non_empty_list():
    document = _document()
    document["items"] = []
    error = _reason(lambda: _decode(document))
    assert (error.reason, error.field) == (ContractErrorReason.SCHEMA, "items")


def test_unknown_envelope_field():
    error = _reason(lambda: _decode(_document(extra=1)))
    assert (error.reason, error.field) == (ContractErrorReason.SCHEMA, "extra")


def test_bad_sent_at_names_the_field():
    error = _reason(lambda: _decode(_document(sent_at="yesterday")))
    assert error.field == "sent_at"


def test_times_beyond_what_utc_holds_are_schema_errors():
    """9999-12-31T23:59:59-01:00 is year 10000 in UTC: a field error, not an OverflowError."""
    beyond = "9999-12-31T23:59:59-01:00"
    document = _document([reading(1), reading(2)])
    document["items"][1]["device_time"] = beyond
    decoded = _decode(document)
    assert [item.seq for item in decoded.items] == [1]
    (rejected,) = decoded.rejected
    assert (rejected.index, rejected.error.reason) == (1, ContractErrorReason.SCHEMA)
    assert rejected.error.field == "items[1].device_time"
    error = _reason(lambda: _decode(_document(sent_at=beyond)))
    assert (error.reason, error.field) == (ContractErrorReason.SCHEMA, "sent_at")


def test_wrong_kind_for_channel_is_rejected_per_item():
    _, payload = message([scan(1)])
    decoded = decode(READINGS_TOPIC, payload)
    assert decoded.items == []
    assert decoded.rejected[0].error.reason is ContractErrorReason.SCHEMA


def test_bad_items_are_rejected_alone_and_named():
    document = _document([reading(1), reading(2), reading(3)])
    document["items"][1]["value"] = -300
    document["items"][2]["seq"] = "many"
    decoded = _decode(document)
    assert [item.seq for item in decoded.items] == [1]
    first, second = decoded.rejected
    assert (first.index, first.error.reason, first.error.field) == (
        1,
        ContractErrorReason.IMPOSSIBLE_VALUE,
        "items[1].value",
    )
    assert "physically impossible" in first.error.detail
    assert (second.error.reason, second.error.field) == (ContractErrorReason.SCHEMA, "items[2].seq")


@pytest.mark.parametrize(
    ("quantity", "value", "unit"),
    [("temperature", -300.0, "CEL"), ("relative_humidity", 130.0, "P1")],
)
def test_physically_impossible_values(quantity, value, unit):
    document = _document()
    document["items"][0].update(quantity=quantity, value=value, unit=unit)
    (rejection,) = _decode(document).rejected
    assert rejection.error.reason is ContractErrorReason.IMPOSSIBLE_VALUE


def test_wrong_unit_is_a_schema_error():
    document = _document()
    document["items"][0]["unit"] = "F"
    (rejection,) = _decode(document).rejected
    assert rejection.error.reason is ContractErrorReason.SCHEMA


def test_nul_characters_are_refused():
    _, payload = message([scan(1)])
    document = json.loads(payload)
    document["items"][0]["raw"] = "abc\u0000def"
    (rejection,) = decode(f"txng/v1/{SITE}/{DEVICE}/events", json.dumps(document).encode()).rejected
    assert rejection.error.field == "items[0].raw"


def test_downlink_channel_is_not_accepted_as_uplink():
    _, payload = message([reading(1)])
    error = _reason(lambda: decode(f"txng/v1/{SITE}/{DEVICE}/config", payload))
    assert error.reason is ContractErrorReason.BAD_TOPIC
