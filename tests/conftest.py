"""Shared fixtures: a real Mosquitto broker and a real, migrated PostgreSQL database."""

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cloud.ingest.service import Ingester
from cloud.ingest.settings import load_ingest_settings
from tests.support.broker import MosquittoBroker
from tests.support.postgres import allow_connections, create_database, drop_database


@pytest.fixture(scope="session")
def mqtt_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The session's broker: TXNG_TEST_MQTT_URL when set, else one started here."""
    given = os.environ.get("TXNG_TEST_MQTT_URL")
    if given:
        yield given
        return
    broker = MosquittoBroker(tmp_path_factory.mktemp("mosquitto-session"))
    broker.start()
    yield broker.url
    broker.stop()


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    """A broker of this test's own, which the test may stop and restart."""
    instance = MosquittoBroker(tmp_path / "mosquitto")
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def empty_database_url() -> Iterator[str]:
    """A new, empty database (not migrated), dropped after the test."""
    url = create_database()
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def migrated_template() -> Iterator[str]:
    """A database with every migration applied, copied (fast) for each test that needs one."""
    from cloud.db.migrate import migrate

    url = create_database("txng_template")
    migrate(url)
    # CREATE DATABASE … TEMPLATE fails while anyone is connected to the template. On TimescaleDB
    # the extension's job scheduler connects to every database that has it (and the loader even
    # restarts it right before each copy); it leaves alone those that refuse connections.
    allow_connections(url, False)
    yield url
    drop_database(url)


@pytest.fixture
def database_url(migrated_template: str) -> Iterator[str]:
    """A new database with every migration applied (a copy of the migrated template)."""
    url = create_database(template=migrated_template)
    yield url
    drop_database(url)


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
            # Probes of the tests' old readings would fall silent: tests that watch silence
            # say so (production watches every probe: 900 s).
            "coldchain_silent_after_s": None,
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
