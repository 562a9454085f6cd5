"""Shared fixtures (a real Mosquitto broker, a real migrated PostgreSQL database, txng processes)
and the markers that say what each test needs, set from the fixtures it uses.

`pytest -m fast` runs the tests that need no service and start no process (under a minute);
`-m db`, `-m broker`, `-m browser`, `-m slow` select those that do (`-m "not slow"` etc.).
"""

import logging
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cloud.ingest.service import Ingester
from cloud.settings.ingest import load_ingest_settings
from plumbing.logs import JsonFormatter, TextFormatter
from tests.edge.helpers import Agents
from tests.support.broker import MosquittoBroker
from tests.support.factory import DEVICE, SITE
from tests.support.postgres import allow_connections, create_database, drop_database
from tests.support.processes import TxngProcess
from tests.support.seed import add_device

# What a test needs, read from the fixtures it uses (directly or through other fixtures).
NEEDS: dict[str, frozenset[str]] = {
    "db": frozenset({"migrated_template", "empty_database_url", "new_database"}),
    "broker": frozenset({"mqtt_url", "broker", "secure_broker", "mosquitto"}),
    "browser": frozenset({"browser"}),
    "slow": frozenset({"txng_process", "edge_agents", "run_demo", "chaos"}),
}


def pytest_configure(config: pytest.Config) -> None:
    """Declare the markers (`--strict-markers` refuses any other)."""
    for marker, fixtures in NEEDS.items():
        config.addinivalue_line("markers", f"{marker}: uses {', '.join(sorted(fixtures))}")
    config.addinivalue_line("markers", "fast: needs no service and starts no process")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with what its fixtures need, or `fast` when they need nothing."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        needs = [marker for marker, fixtures in NEEDS.items() if used & fixtures]
        for marker in needs or ["fast"]:
            item.add_marker(marker)


@pytest.fixture(autouse=True)
def _command_logging_undone() -> Iterator[None]:
    """A command run in-process points the root logger at this test's stderr: undo that after.

    Left in place, every later log line (an ingester's paho thread, say) met a closed stream
    and printed "--- Logging error ---" instead of the line.
    """
    root = logging.getLogger()
    level = root.level
    yield
    root.handlers[:] = [
        h for h in root.handlers if not isinstance(h.formatter, JsonFormatter | TextFormatter)
    ]
    root.setLevel(level)


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


NewDatabase = Callable[..., str]


@pytest.fixture
def new_database(migrated_template: str) -> Iterator[NewDatabase]:
    """Make more databases (migrated, or empty with `migrated=False`); dropped after the test."""
    made: list[str] = []

    def make(*, migrated: bool = True) -> str:
        url = create_database(template=migrated_template if migrated else None)
        made.append(url)
        return url

    yield make
    for url in made:
        drop_database(url)


StartProcess = Callable[..., TxngProcess]


@pytest.fixture
def txng_process() -> Iterator[StartProcess]:
    """Start `txng …` subprocesses (`module=` a test-only entry point); killed after the test."""
    started: list[TxngProcess] = []

    def start(args: list[str], env: dict[str, str], *, module: str = "txng.cli") -> TxngProcess:
        process = TxngProcess(args, env, module=module)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


@pytest.fixture
def edge_agents() -> Iterator[Agents]:
    """Start edge agents (`txng edge run`) as real processes; killed after the test."""
    agents = Agents()
    yield agents
    agents.kill_all()


@pytest.fixture
def registered_device(database_url: str) -> tuple[str, str]:
    """The factory's device (tests/support/factory.py), approved as `txng devices add` does.

    A device not registered first is pending, and what it sends is held in quarantine.
    """
    add_device(database_url, SITE, DEVICE)
    return SITE, DEVICE


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
