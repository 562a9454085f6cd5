"""A real `txng cloud ingest` whose worker raises: restarted, counted, visible; past the limit,
the process exits non-zero."""

import json
import urllib.error
import urllib.request

import pytest

from plumbing.workers import EXIT_WORKER_FAILED
from tests.support.broker import free_port
from tests.support.factory import reading_messages
from tests.support.mqtt import publish_all
from tests.support.sql import scalar
from tests.support.waiting import wait_for


def _env(database_url: str, mqtt_url: str, port: int) -> dict[str, str]:
    return {
        "TXNG_DATABASE_URL": database_url,
        "TXNG_MQTT_URL": mqtt_url,
        "TXNG_INGEST_CLIENT_ID": f"test-supervision-{port}",
        "TXNG_INGEST_METRICS_PORT": str(port),
    }


def _health(port: int) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as err:
        return err.code, json.load(err)


def _worker(body: dict, name: str) -> dict:
    return next(w for w in body["workers"] if w["name"] == name)


@pytest.mark.usefixtures("registered_device")  # (else the readings at the end would be held)
def test_a_crashing_worker_is_restarted_counted_and_reported(database_url, mqtt_url, txng_process):
    port = free_port()
    process = txng_process(
        ["--sweeper-failures", "2"],
        _env(database_url, mqtt_url, port),
        module="tests.support.faulty_ingest",
    )
    try:
        process.wait_logged("subscribed")
        wait_for(lambda: _worker(_health(port)[1], "coldchain-sweeper")["steps"] >= 1)
        status, body = _health(port)
        sweeper = _worker(body, "coldchain-sweeper")
        assert status == 200 and body["status"] == "ok"
        assert (sweeper["crashes"], sweeper["restarts"]) == (2, 2)
        assert sweeper["last_error"] == "RuntimeError: injected fault 2"
        names = {w["name"] for w in body["workers"]}
        assert names == {
            "ingest-triage",
            "ingest-writer",
            "derive",
            "coldchain-sweeper",
            "notifier",
            "people-notifier",
            "escalator",
        }
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
        assert 'txng_worker_crashes_total{worker="coldchain-sweeper"} 2.0' in metrics
        assert 'txng_worker_healthy{worker="coldchain-sweeper"} 1.0' in metrics
        publish_all(mqtt_url, reading_messages(1, 3))
        wait_for(lambda: scalar(database_url, "SELECT count(*) FROM readings") == 3)
    finally:
        assert process.stop() == 0


def test_past_the_crash_limit_the_process_exits_non_zero(database_url, mqtt_url, txng_process):
    port = free_port()
    process = txng_process(
        ["--sweeper-failures", "-1"],
        _env(database_url, mqtt_url, port),
        module="tests.support.faulty_ingest",
    )
    try:
        assert process.wait(60) == EXIT_WORKER_FAILED
    finally:
        process.stop()
    assert process.logged("stopping the process: worker coldchain-sweeper is dead "
                          "(RuntimeError: injected fault 6)")
