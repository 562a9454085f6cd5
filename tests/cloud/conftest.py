"""Fixtures that run real ingesters against the test broker and database."""

import uuid
from collections.abc import Callable, Iterator

import pytest

from cloud.ingest.service import Ingester
from cloud.ingest.settings import load_ingest_settings

StartIngester = Callable[..., Ingester]


@pytest.fixture
def start_ingester(database_url: str, mqtt_url: str) -> Iterator[StartIngester]:
    """Start in-process ingesters (stopped after the test); keyword arguments override settings."""
    started: list[Ingester] = []

    def start(**overrides: object) -> Ingester:
        settings = {
            "database_url": database_url,
            "mqtt_url": mqtt_url,
            "ingest_client_id": f"test-ingest-{uuid.uuid4().hex[:8]}",
            "ingest_metrics_port": 0,
            "ingest_session_expiry_s": 120,
            "ingest_retry_max_s": 1.0,
            **overrides,
        }
        ingester = Ingester(load_ingest_settings(**settings))
        ingester.start()
        assert ingester.source.subscribed.wait(10), "ingester did not subscribe"
        started.append(ingester)
        return ingester

    yield start
    for ingester in started:
        ingester.stop()
