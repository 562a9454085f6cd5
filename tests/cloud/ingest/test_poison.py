"""Poison isolation: a message that makes triage or storage fail unexpectedly is dead-lettered
by itself (with the exception) and acknowledged; every other message is stored."""

import pytest

from cloud.ingest import triage as triage_module
from cloud.ingest import writer as writer_module
from plumbing.workers import Backoff
from tests.support.factory import message, reading
from tests.support.mqtt import publish_all
from tests.support.sql import query
from tests.support.waiting import wait_for

# The factory device these tests send from is registered (else its data would be held).
pytestmark = pytest.mark.usefixtures("registered_device")

POISON = 13.25


def _letters(url: str) -> list[tuple[str, str]]:
    return query(url, "SELECT reason, detail FROM dead_letters ORDER BY id")


def _stored(url: str) -> list[int]:
    return sorted(seq for (seq,) in query(url, "SELECT seq FROM readings"))


def _messages() -> list[tuple[str, bytes]]:
    values = [4.0, 4.0, POISON, 4.0]
    return [message([reading(n * 2, v), reading(n * 2 + 1)]) for n, v in enumerate(values)]


def test_a_message_that_crashes_triage_is_dead_lettered_alone(
    start_ingester, database_url, mqtt_url, monkeypatch
):
    real, real_fast = triage_module.decode, triage_module.decode_readings

    def decode(topic: str, payload: bytes, **kwargs: object):  # type: ignore[no-untyped-def]
        decoded = real(topic, payload, **kwargs)  # type: ignore[arg-type]
        if any(getattr(item, "value", None) == POISON for item in decoded.items):
            raise ZeroDivisionError("float division by zero")
        return decoded

    def decode_readings(topic, payload):  # type: ignore[no-untyped-def]
        readings = real_fast(topic, payload)
        if readings and any(item.value == POISON for item in readings):
            raise ZeroDivisionError("float division by zero")
        return readings

    # Both decoders: the readings' compiled one first, then the contract's.
    monkeypatch.setattr(triage_module, "decode", decode)
    monkeypatch.setattr(triage_module, "decode_readings", decode_readings)
    ingester = start_ingester()
    publish_all(mqtt_url, _messages())
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 4)
    assert _stored(database_url) == [0, 1, 2, 3, 6, 7]
    assert _letters(database_url) == [
        ("triage_failed", "ZeroDivisionError: float division by zero")
    ]
    assert ingester.writer.triager.health().crashes == 0


def test_a_message_that_crashes_storage_is_dead_lettered_alone(
    start_ingester, database_url, mqtt_url, monkeypatch
):
    real = writer_module.persist_batch

    def persist_batch(database, plans, **kwargs):  # type: ignore[no-untyped-def]
        if any(r.value == POISON for plan in plans for r in plan.readings):
            raise RecursionError("maximum recursion depth exceeded")
        return real(database, plans, **kwargs)

    monkeypatch.setattr(writer_module, "persist_batch", persist_batch)
    monkeypatch.setattr(writer_module, "Backoff", lambda **kw: Backoff(0.01, 0.01))
    ingester = start_ingester()
    publish_all(mqtt_url, _messages())
    wait_for(lambda: ingester.metrics.value("txng_ingest_messages_acked_total") == 4)
    assert _stored(database_url) == [0, 1, 2, 3, 6, 7]
    assert _letters(database_url) == [
        ("storage_failed", "RecursionError: maximum recursion depth exceeded")
    ]
    health = ingester.writer.storer.health()
    assert (health.crashes, health.restarts, health.healthy) == (2, 2, True)
