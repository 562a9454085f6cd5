"""Crashes, broker restarts and database outages: every item is stored exactly once."""

import signal
import threading
import urllib.request
import uuid

import pytest

from cloud.settings.ingest import load_ingest_settings
from plumbing.settings import ConfigError
from tests.support.broker import free_port
from tests.support.factory import reading_messages
from tests.support.mqtt import publish_all
from tests.support.postgres import allow_connections, terminate_connections
from tests.support.sql import scalar
from tests.support.waiting import wait_for


def _readings(url: str) -> tuple[int, int]:
    return (
        int(scalar(url, "SELECT count(*) FROM readings")),
        int(scalar(url, "SELECT count(DISTINCT id) FROM readings")),
    )


def _metric(port: int, name: str) -> float:
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_sigkill_between_receive_and_commit_and_between_commit_and_ack(
    database_url, mqtt_url, txng_process, registered_device
):
    client_id = f"test-crash-{uuid.uuid4().hex[:8]}"
    env = {
        "TXNG_DATABASE_URL": database_url,
        "TXNG_MQTT_URL": mqtt_url,
        "TXNG_INGEST_CLIENT_ID": client_id,
        "TXNG_INGEST_METRICS_PORT": "0",
        "TXNG_INGEST_BATCH_MAX_MESSAGES": "20",
    }
    # Create the persistent session, then go away: the broker queues what follows.
    first = txng_process(["cloud", "ingest"], env)
    first.wait_logged("subscribed")
    assert first.stop() == 0
    messages = reading_messages(60, 25)
    assert publish_all(mqtt_url, messages) == 60

    before_commit = txng_process(
        ["--kill-at", "after_receive"], env, module="tests.support.faulty_ingest"
    )
    assert before_commit.wait() == -signal.SIGKILL
    assert _readings(database_url) == (0, 0)

    after_commit = txng_process(
        ["--kill-at", "after_commit"], env, module="tests.support.faulty_ingest"
    )
    assert after_commit.wait() == -signal.SIGKILL
    committed_unacked, _ = _readings(database_url)
    assert 0 < committed_unacked < 1500

    port = free_port()
    final = txng_process(["cloud", "ingest"], {**env, "TXNG_INGEST_METRICS_PORT": str(port)})
    try:
        wait_for(lambda: _readings(database_url)[0] == 1500, timeout=60)
        wait_for(lambda: _metric(port, "txng_ingest_messages_acked_total") >= 60)
        assert _metric(port, "txng_ingest_items_duplicate_total") >= committed_unacked
    finally:
        assert final.stop() == 0
    assert _readings(database_url) == (1500, 1500)


def test_broker_restart_loses_nothing(start_ingester, database_url, broker, registered_device):
    ingester = start_ingester(mqtt_url=broker.url)
    before = reading_messages(40, 10)
    publish_all(broker.url, before)
    # Stop the broker while the ingester is still busy with what it was sent.
    broker.restart()
    during = reading_messages(40, 10)
    publish_all(broker.url, during)
    # Published while the ingester was away: only its persistent session can hold these.
    assert not ingester.source.subscribed.is_set()
    wait_for(lambda: ingester.source.subscribed.is_set(), timeout=20)
    after = reading_messages(40, 10)
    publish_all(broker.url, after)
    wait_for(lambda: _readings(database_url)[0] == 1200, timeout=30)
    assert _readings(database_url) == (1200, 1200)


def test_database_outage_keeps_messages_unacknowledged(
    start_ingester, database_url, mqtt_url, registered_device
):
    ingester = start_ingester()
    publish_all(mqtt_url, reading_messages(10, 10))
    wait_for(lambda: _readings(database_url)[0] == 100)
    acked_before = ingester.metrics.value("txng_ingest_messages_acked_total")

    allow_connections(database_url, False)
    try:
        publish_all(mqtt_url, reading_messages(30, 10))
        wait_for(lambda: ingester.metrics.value("txng_ingest_database_retries_total") >= 2)
        assert ingester.metrics.value("txng_ingest_messages_acked_total") == acked_before
    finally:
        allow_connections(database_url, True)
    wait_for(lambda: _readings(database_url)[0] == 400, timeout=30)
    wait_for(
        lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == acked_before + 30
    )
    assert _readings(database_url) == (400, 400)


def test_connections_killed_repeatedly_lose_nothing(
    start_ingester, database_url, mqtt_url, registered_device
):
    ingester = start_ingester(ingest_batch_max_messages=5)
    stop = threading.Event()

    def killer() -> None:
        while not stop.wait(0.05):
            terminate_connections(database_url)

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        publish_all(mqtt_url, reading_messages(100, 10))
        wait_for(lambda: ingester.metrics.value("txng_ingest_database_retries_total") >= 1)
    finally:
        stop.set()
        thread.join()
    wait_for(lambda: _readings(database_url)[0] == 1000, timeout=60)
    assert _readings(database_url) == (1000, 1000)


def test_bad_settings_name_the_field(monkeypatch):
    monkeypatch.setenv("TXNG_INGEST_UNKNOWN_DEVICES", "maybe")
    monkeypatch.setenv("TXNG_INGEST_RECEIVE_MAXIMUM", "0")
    with pytest.raises(ConfigError) as caught:
        load_ingest_settings()
    text = str(caught.value)
    assert "ingest_unknown_devices" in text
    assert "ingest_receive_maximum" in text
