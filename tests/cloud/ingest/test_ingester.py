import json
import urllib.request
import uuid
from datetime import timedelta

import pytest

from contract import DataCarrier, DeviceState, DeviceStatus, Envelope, encode, new_item_id
from tests.support.broker import free_port
from tests.support.factory import DEVICE, SITE, message, reading, reading_messages, scan
from tests.support.mqtt import publish_all
from tests.support.sql import query, scalar
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

READINGS_TOPIC = f"txng/v1/{SITE}/{DEVICE}/readings"


def _count(url: str, table: str) -> int:
    return int(scalar(url, f"SELECT count(*) FROM {table}"))


def _dead_letters(url: str) -> list[tuple]:
    return query(
        url,
        "SELECT reason, field, item_index, topic, payload FROM dead_letters ORDER BY id",
    )


def test_readings_and_scans_are_stored(start_ingester, database_url, mqtt_url):
    ingester = start_ingester()
    readings = [reading(i, value=2.0 + i / 10) for i in range(50)]
    events = [scan(i) for i in range(3)]
    publish_all(mqtt_url, [message(readings[:25]), message(readings[25:]), message(events)])
    wait_for(lambda: _count(database_url, "readings") == 50 and _count(database_url, "events") == 3)
    stored = query(database_url, "SELECT id, value, site_id, device_id FROM readings ORDER BY seq")
    assert [(row[0], row[1]) for row in stored] == [(str(r.id), r.value) for r in readings]
    assert {(row[2], row[3]) for row in stored} == {(SITE, DEVICE)}
    gtin, lot, raw = query(database_url, "SELECT gtin, lot, raw FROM events LIMIT 1")[0]
    assert (gtin, lot, raw) == ("08935000000011", "LOT-1", events[0].raw)
    assert ingester.metrics.value("txng_ingest_items_stored_total", kind="reading") == 50
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 3)


def test_the_same_message_twice_changes_nothing(start_ingester, database_url, mqtt_url):
    ingester = start_ingester()
    messages = reading_messages(10, 20)
    publish_all(mqtt_url, messages + messages + messages[:3])
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 23)
    assert _count(database_url, "readings") == 200
    assert ingester.metrics.value("txng_ingest_items_duplicate_total", kind="reading") == 260


def test_unknown_device_is_registered_as_pending(start_ingester, database_url, mqtt_url):
    ingester = start_ingester(ingest_unknown_devices="register")
    publish_all(
        mqtt_url, [message([reading(1)], device="pi-new"), message([scan(1)], device="pi-new")]
    )
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 2)
    rows = query(
        database_url,
        "SELECT site_id, device_id, approval, last_seen FROM devices WHERE device_id <> %s",
        (DEVICE,),
    )
    assert [(r[0], r[1], r[2]) for r in rows] == [(SITE, "pi-new", "pending")]
    assert rows[0][3] is not None
    # What it sent is stored, but held in quarantine until an operator approves it.
    assert _count(database_url, "readings") == _count(database_url, "events") == 0
    assert (
        _count(database_url, "quarantine_readings")
        == _count(database_url, "quarantine_events")
        == 1
    )
    assert _count(database_url, "work_queue") == 0
    assert ingester.metrics.value("txng_ingest_items_quarantined_total", kind="reading") == 1
    assert ingester.metrics.value("txng_ingest_items_stored_total", kind="scan") == 1


def test_unknown_device_is_rejected_when_configured(start_ingester, database_url, mqtt_url):
    ingester = start_ingester(ingest_unknown_devices="reject")
    publish_all(mqtt_url, [message([reading(1)], device="pi-stranger"), message([reading(2)])])
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 2)
    assert _count(database_url, "readings") == 1
    (letter,) = _dead_letters(database_url)
    assert letter[0] == "unknown_device"
    assert letter[3] == f"txng/v1/{SITE}/pi-stranger/readings"
    assert _count(database_url, "devices") == 1


def test_rejected_device_is_dead_lettered(start_ingester, database_url, mqtt_url):
    ingester = start_ingester()
    publish_all(mqtt_url, [message([reading(1)])])
    wait_for(lambda: _count(database_url, "readings") == 1)
    query(database_url, "UPDATE devices SET approval = 'rejected' RETURNING 1")
    publish_all(mqtt_url, [message([reading(2)])])
    wait_for(
        lambda: ingester.metrics.value("txng_ingest_dead_letters_total", reason="device_rejected")
    )
    assert _count(database_url, "readings") == 1


def test_bad_input_goes_to_dead_letters_and_the_rest_is_kept(
    start_ingester, database_url, mqtt_url
):
    ingester = start_ingester(ingest_max_message_bytes=64 * 1024)
    good_topic, good_payload = message([reading(1), reading(2)])
    mixed = json.loads(message([reading(3), reading(4), reading(5)])[1])
    mixed["items"][1]["value"] = -300.0
    wrong_version = json.loads(good_payload)
    wrong_version["v"] = 9
    no_items = json.loads(good_payload)
    del no_items["items"]
    bad = [
        (READINGS_TOPIC, b"{definitely not json"),
        (READINGS_TOPIC, json.dumps(wrong_version).encode()),
        (READINGS_TOPIC, json.dumps(no_items).encode()),
        (READINGS_TOPIC, b"[" + b"1," * 40_000 + b"1]"),
        (f"txng/v1/{SITE}/pi-other/readings", good_payload),
        ("txng/v1/bad site!/pi-01/readings", good_payload),
    ]
    publish_all(
        mqtt_url, [*bad, (good_topic, good_payload), (READINGS_TOPIC, json.dumps(mixed).encode())]
    )
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 8)
    assert sorted(r[0] for r in query(database_url, "SELECT seq FROM readings")) == [1, 2, 3, 5]
    letters = _dead_letters(database_url)
    reasons = sorted(letter[0] for letter in letters)
    assert reasons == sorted(
        [
            "malformed_json",
            "unknown_version",
            "schema",
            "oversized",
            "topic_mismatch",
            "bad_topic",
            "impossible_value",
        ]
    )
    by_reason = {letter[0]: letter for letter in letters}
    assert bytes(by_reason["malformed_json"][4]) == b"{definitely not json"
    assert by_reason["schema"][1] == "items"
    assert by_reason["impossible_value"][1:3] == ("items[1].value", 1)
    assert json.loads(bytes(by_reason["impossible_value"][4]))["value"] == -300.0
    for reason in set(reasons):
        assert ingester.metrics.value("txng_ingest_dead_letters_total", reason=reason) >= 1
    assert sum(
        ingester.metrics.value("txng_ingest_dead_letters_total", reason=reason)
        for reason in set(reasons)
    ) == len(letters)


def test_a_redelivered_bad_message_is_one_dead_letter(start_ingester, database_url, mqtt_url):
    start_ingester()
    publish_all(mqtt_url, [(READINGS_TOPIC, b"garbage")] * 3)
    wait_for(lambda: _count(database_url, "dead_letters") >= 1)
    publish_all(mqtt_url, [message([reading(1)])])
    wait_for(lambda: _count(database_url, "readings") == 1)
    assert _count(database_url, "dead_letters") == 1


def test_status_updates_the_device(start_ingester, database_url, mqtt_url):
    start_ingester()
    status = DeviceStatus(
        id=new_item_id(),
        device_time=reading(5).device_time,
        clock="synced",
        seq=5,
        state=DeviceState.ONLINE,
        outbox_depth=12,
        version="0.1.0",
    )
    payload = encode(Envelope(site=SITE, device=DEVICE, items=[status]))
    publish_all(mqtt_url, [(f"txng/v1/{SITE}/{DEVICE}/status", payload)])
    wait_for(lambda: _count(database_url, "device_status") == 1)
    last_status, at = query(database_url, "SELECT last_status, last_status_at FROM devices")[0]
    assert last_status["outbox_depth"] == 12
    assert at == status.device_time


def test_shared_subscription_group_splits_the_work(start_ingester, database_url, mqtt_url):
    # A group of this test's own: members of earlier tests' groups keep persistent sessions
    # on the shared broker, and the broker keeps giving them their share until they expire.
    group = f"ingest{uuid.uuid4().hex[:8]}"
    first = start_ingester(ingest_share_group=group)
    second = start_ingester(ingest_share_group=group)
    publish_all(mqtt_url, reading_messages(200, 5))
    wait_for(lambda: _count(database_url, "readings") == 1000)
    received = [
        ingester.metrics.value("txng_ingest_messages_received_total")
        for ingester in (first, second)
    ]
    assert sum(received) == 200
    assert min(received) > 0, "one member of the group got nothing"


def test_metrics_are_served_over_http(start_ingester, mqtt_url):
    port = free_port()
    start_ingester(ingest_metrics_port=port)
    publish_all(mqtt_url, [message([reading(1)])])
    body = wait_for(
        lambda: (
            text
            if "txng_ingest_messages_acked_total 1.0"
            in (text := urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode())
            else None
        )
    )
    for name in (
        "txng_ingest_messages_received_total",
        "txng_ingest_items_stored_total",
        "txng_ingest_queue_depth",
        "txng_ingest_commit_seconds_bucket",
    ):
        assert name in body


def test_a_small_window_and_queue_still_carry_everything(start_ingester, database_url, mqtt_url):
    ingester = start_ingester(
        ingest_receive_maximum=4, ingest_queue_size=4, ingest_batch_max_messages=3
    )
    assert ingester.source._inbox.maxsize == 4
    publish_all(mqtt_url, reading_messages(300, 2))
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 300)
    assert _count(database_url, "readings") == 600
    assert ingester.metrics.value("txng_ingest_batch_messages_count") >= 100


def test_rfid_observation_window_is_kept(start_ingester, database_url, mqtt_url):
    start_ingester()
    first = scan(1)
    observed = first.model_copy(
        update={
            "carrier": DataCarrier.RFID,
            "read_count": 14,
            "rssi": -61.5,
            "antenna": 2,
            "first_seen": first.device_time,
            "last_seen": first.device_time + timedelta(seconds=3),
        }
    )
    publish_all(mqtt_url, [message([observed])])
    wait_for(lambda: _count(database_url, "events") == 1)
    row = query(
        database_url, "SELECT carrier, read_count, rssi, antenna, first_seen, last_seen FROM events"
    )[0]
    assert row == ("rfid", 14, -61.5, 2, observed.first_seen, observed.last_seen)
