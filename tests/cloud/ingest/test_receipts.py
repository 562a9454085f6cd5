"""The ingester's receipts: after each commit, every stored, duplicate or dead-lettered item."""

import json
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from hypothesis import given, settings
from hypothesis import strategies as st
from paho.mqtt.enums import CallbackAPIVersion

from cloud.ingest import receipts as receipts_module
from cloud.ingest.mqtt_source import InboundMessage
from cloud.ingest.receipts import stored_message
from cloud.ingest.triage import MessagePlan, triage
from contract import MAX_MESSAGE_BYTES, Receipt, StoredMessage, decode_receipt
from plumbing.mqtt_url import MqttEndpoint
from tests.support.broker import MosquittoBroker
from tests.support.factory import DEVICE, SITE, message, reading, scan
from tests.support.mqtt import publish_all
from tests.support.waiting import wait_for


@contextmanager
def receipts_seen(url: str) -> Iterator[list[Receipt]]:
    """Every receipt the broker delivers while the block runs, decoded."""
    seen: list[Receipt] = []
    subscribed = threading.Event()
    endpoint = MqttEndpoint.parse(url)
    client = mqtt.Client(callback_api_version=CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_message = lambda c, u, msg: seen.append(decode_receipt(msg.topic, msg.payload))
    client.connect(endpoint.host, endpoint.port)
    client.subscribe("txng/v1/+/+/receipts", qos=1)
    client.loop_start()
    try:
        assert subscribed.wait(10)
        yield seen
    finally:
        client.disconnect()
        client.loop_stop()


def _covered(receipts: list[Receipt]) -> list[StoredMessage]:
    return [stored for receipt in receipts for stored in receipt.messages]


def test_each_committed_message_is_named_in_a_receipt_to_its_device(start_ingester, mqtt_url):
    ingester = start_ingester()
    readings = [reading(seq) for seq in (0, 1, 2, 5, 6)]  # 3 and 4 went in the events lane
    events = [scan(3), scan(4)]
    bad = reading(7).model_dump(mode="json") | {"value": -500.0}  # impossible: dead-lettered
    with_bad = json.loads(message([reading(8)])[1])
    with_bad["items"].insert(0, bad)
    topic_of_readings = message(readings)[0]
    forged = message([reading(9)], device="someone-else")[1]  # payload names another device
    with receipts_seen(mqtt_url) as seen:
        publish_all(mqtt_url, [
            message(readings),
            message(events),
            (topic_of_readings, json.dumps(with_bad).encode()),
            (topic_of_readings, forged),
            (f"txng/v1/{SITE}/{DEVICE}/status", b"{}"),  # status earns no receipt
        ])
        wait_for(lambda: len(_covered(seen)) >= 4)
        publish_all(mqtt_url, [message(readings)])  # a resend: duplicates are receipted too
        wait_for(lambda: len(_covered(seen)) >= 5)
    assert {(r.site, r.device) for r in seen} == {(SITE, DEVICE)}  # the topic's device
    by_runs = {tuple(stored.runs): stored for stored in _covered(seen)}
    assert set(by_runs) == {((0, 2), (5, 6)), ((3, 4),), ((7, 8),), ((9, 9),)}
    first = by_runs[((0, 2), (5, 6))]
    assert (first.first, first.last) == (readings[0].id, readings[-1].id)
    assert by_runs[((7, 8),)].first == uuid.UUID(bad["id"])
    assert len(_covered(seen)) == 5
    assert ingester.metrics.value("txng_ingest_receipts_published_total") == 5
    assert ingester.metrics.value("txng_ingest_items_duplicate_total", kind="reading") == 5


def test_a_broker_without_the_receipt_client_drops_receipts_but_not_data(
    start_ingester, broker: MosquittoBroker, database_url
):
    ingester = start_ingester(mqtt_url=broker.url)
    ingester.receipts.stop()  # as if its connection were down
    publish_all(broker.url, [message([reading(seq)]) for seq in range(3)])
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 3)
    assert ingester.metrics.value("txng_ingest_receipts_dropped_total") == 3
    assert ingester.metrics.value("txng_ingest_receipts_published_total") == 0


def _plan_of(seqs: list[int]) -> MessagePlan:
    """The plan of a readings message whose items carry `seqs`, in that order."""
    topic, payload = message([reading(seq) for seq in seqs])
    return triage(InboundMessage(topic, payload, 1, 1, 1, datetime.now(UTC)), max_bytes=10**6)


seq_lists = st.one_of(
    st.tuples(st.integers(0, 10**6), st.integers(1, 30)).map(
        lambda start_count: list(range(start_count[0], start_count[0] + start_count[1]))
    ),
    st.lists(st.integers(0, 40), min_size=1, max_size=30),
)


@settings(max_examples=200, deadline=None)
@given(seqs=seq_lists)
def test_a_receipt_entry_names_the_runs_of_the_stored_items(seqs: list[int]) -> None:
    plan = _plan_of(seqs)
    entry = stored_message(plan)
    assert entry == (SITE, DEVICE, StoredMessage.of((r.seq, r.id) for r in plan.readings))
    consecutive = seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert (receipts_module._one_run(plan) is not None) == consecutive  # the one-run shortcut


def test_a_message_with_a_dead_lettered_item_is_receipted_item_by_item() -> None:
    topic, payload = message([reading(0), reading(1)])
    items = json.loads(payload)
    items["items"][1]["value"] = -500.0  # impossible: dead-lettered
    plan = triage(
        InboundMessage(topic, json.dumps(items).encode(), 1, 1, 1, datetime.now(UTC)),
        max_bytes=MAX_MESSAGE_BYTES,
    )
    assert len(plan.readings) == 1 and len(plan.dead_letters) == 1
    assert receipts_module._one_run(plan) is None
    entry = stored_message(plan)
    assert entry is not None and entry[2].runs == [(0, 1)]
