"""Every hostile payload through a real `txng cloud ingest`: dead-lettered with its reason, and
the valid message sent right after it is stored; no worker crashes, the process stays healthy."""

import json
import urllib.request

import pytest

from tests.support.broker import free_port
from tests.support.factory import DEVICE, SITE, message, reading
from tests.support.hostile import hostile_payloads
from tests.support.mqtt import publish_all
from tests.support.sql import query, scalar
from tests.support.waiting import wait_for

TOPIC = f"txng/v1/{SITE}/{DEVICE}/readings"

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")


def test_each_hostile_payload_is_dead_lettered_and_the_next_valid_message_stored(
    database_url, mqtt_url, txng_process
):
    port = free_port()
    process = txng_process(
        ["cloud", "ingest"],
        {
            "TXNG_DATABASE_URL": database_url,
            "TXNG_MQTT_URL": mqtt_url,
            "TXNG_INGEST_CLIENT_ID": f"test-hostile-{port}",
            "TXNG_INGEST_METRICS_PORT": str(port),
        },
    )
    try:
        process.wait_logged("subscribed")
        process.wait_logged("ingester running")
        running = next(e for e in process.lines if e.get("message") == "ingester running")
        assert running["switch_interval_ms"] == 1.0  # its setting's default; Python's is 5 ms
        expected: list[tuple[str, str]] = []
        for n, (name, (payload, reason)) in enumerate(sorted(hostile_payloads().items())):
            good = message([reading(10_000 + n)])
            assert publish_all(mqtt_url, [(TOPIC, payload), good]) == 2, name
            wait_for(lambda n=n: scalar(database_url, "SELECT count(*) FROM readings") == n + 1)
            expected.append((name, reason.value))
            stored = [
                r for (r,) in query(database_url, "SELECT reason FROM dead_letters ORDER BY id")
            ]
            assert stored == [r for _, r in expected], name

        duplicate_keys = message([reading(1, 99.0)])[1].replace(
            b'"value":99.0', b'"value":99.0,"value":4.5'
        )
        publish_all(mqtt_url, [(TOPIC, duplicate_keys)])
        wait_for(lambda: scalar(database_url, "SELECT count(*) FROM readings WHERE seq = 1"))
        assert scalar(database_url, "SELECT value FROM readings WHERE seq = 1") == 4.5

        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
            health = json.load(answer)
        assert health["status"] == "ok"
        assert all(w["crashes"] == 0 for w in health["workers"]), health["workers"]
    finally:
        assert process.stop() == 0
