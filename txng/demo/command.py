"""`txng demo`: database, broker, ingester and two simulated devices on this machine, live."""

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from cloud.db.counts import DeviceCounts, DeviceKey, count_by_device
from cloud.db.errors import DatabaseError
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.ingest.service import Ingester
from cloud.ingest.settings import IngestSettings, load_ingest_settings
from edge.agent import Agent
from edge.config import DeviceConfig, SecretRef, load_config
from edge.outbox import OutboxError
from txng.demo_display import Snapshot, device_name, progress_line, show, summary_lines
from txng.embedded import EmbeddedBroker, EmbeddedPostgres, EmbeddedServiceError
from txng.logs import configure_logging
from txng.mqtt_url import MqttEndpoint

log = logging.getLogger(__name__)

DEVICE_FILES = ("packing_line.yaml", "cold_room.yaml")
CONFIG_DIR_ENV = "TXNG_DEMO_CONFIG_DIR"
_PASSWORD_ENV = "TXNG_DEMO_MQTT_PASSWORD"  # the broker password of TXNG_MQTT_URL, for the agents
_REFRESH_TTY_S = 1.0
_REFRESH_PLAIN_S = 5.0
_CONNECT_TIMEOUT_S = 15.0
_DRAIN_QUIET_S = 1.0
_DRAIN_MAX_S = 8.0


class AgentRunner:
    """The simulated devices' agents, sharing one event loop on a thread of their own."""

    def __init__(self, configs: list[DeviceConfig]):
        self.agents = [Agent(config) for config in configs]
        self._thread = threading.Thread(target=self._run, name="demo-agents", daemon=True)

    def start(self) -> None:
        """Start every agent."""
        self._thread.start()

    def stop(self, timeout_s: float = 20.0) -> None:
        """Stop every agent (each says offline and closes its outbox) and wait for them."""
        for agent in self.agents:
            agent.stop()
        if self._thread.is_alive():
            self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("the agents did not stop within %.0f s", timeout_s)

    def published(self) -> dict[DeviceKey, int]:
        """Items each device has had acknowledged by the broker."""
        return {
            (agent.config.site, agent.config.device): agent.publisher.acked_items
            for agent in self.agents
        }

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        results = await asyncio.gather(
            *(agent.run() for agent in self.agents), return_exceptions=True
        )
        for agent, result in zip(self.agents, results, strict=True):
            if isinstance(result, BaseException):
                log.error("agent %s/%s failed: %r", agent.config.site, agent.config.device, result)


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """`action`, made safe to call twice (the normal stop and the stop after an error)."""
    done = threading.Event()

    def run() -> None:
        if not done.is_set():
            done.set()
            action()

    return run


def find_config_dir() -> Path:
    """Where the example device configs are: TXNG_DEMO_CONFIG_DIR, the source tree, or ./."""
    given = os.environ.get(CONFIG_DIR_ENV)
    candidates = [Path(given)] if given else []
    source_tree = Path(__file__).resolve().parents[1]
    candidates += [source_tree / "firmware_configs", Path("firmware_configs")]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in DEVICE_FILES):
            return candidate
    raise EmbeddedServiceError(
        f"cannot find {', '.join(DEVICE_FILES)}: run the demo from the txng source tree "
        f"or set {CONFIG_DIR_ENV}"
    )


def for_demo(config: DeviceConfig, *, mqtt_url: str, v311: bool, state_dir: Path) -> DeviceConfig:
    """`config` pointed at the demo's broker, with its outbox in the demo's directory."""
    endpoint = MqttEndpoint.parse(mqtt_url)
    scheme = "mqtts" if endpoint.tls else "mqtt"
    mqtt: dict[str, object] = {"url": f"{scheme}://{endpoint.host}:{endpoint.port}"}
    if v311:
        mqtt["protocol"] = "3.1.1"
    if endpoint.username:
        mqtt["username"] = endpoint.username
    if endpoint.password:
        os.environ[_PASSWORD_ENV] = endpoint.password
        mqtt["password"] = SecretRef(env=_PASSWORD_ENV)
    outbox_path = state_dir / f"{config.site}.{config.device}.outbox.sqlite"
    return config.model_copy(
        update={
            "mqtt": config.mqtt.model_copy(update=mqtt),
            "outbox": config.outbox.model_copy(update={"path": outbox_path}),
        }
    )


def ingest_settings(*, database_url: str, mqtt_url: str, v311: bool) -> IngestSettings:
    """The ingester's settings: the environment's, with the demo's endpoints."""
    overrides: dict[str, object] = {"database_url": database_url, "mqtt_url": mqtt_url}
    if v311:  # amqtt: MQTT 3.1.1 only, no shared subscriptions
        overrides |= {"mqtt_protocol": "3.1.1", "ingest_share_group": None}
    if "TXNG_INGEST_METRICS_PORT" not in os.environ:
        overrides["ingest_metrics_port"] = 0
    if "TXNG_INGEST_CLIENT_ID" not in os.environ:
        overrides["ingest_client_id"] = "txng-demo-ingest"
    return load_ingest_settings(**overrides)


def _metric_total(ingester: Ingester, name: str) -> int:
    """The sum of a counter over all its labels."""
    total = 0.0
    for family in ingester.metrics.registry.collect():
        for sample in family.samples:
            if sample.name == f"{name}_total":
                total += sample.value
    return int(total)


class _Pipeline:
    """The running demo: what `snapshot()` reads to report progress."""

    def __init__(self, ingester: Ingester, agents: AgentRunner, database: Database):
        self.ingester = ingester
        self.agents = agents
        self.database = database
        self.devices = [(a.config.site, a.config.device) for a in agents.agents]
        self.baseline = count_by_device(database, self.devices)  # rows from earlier runs
        self.started = time.monotonic()

    def received(self) -> int:
        """MQTT messages the ingester has taken."""
        return _metric_total(self.ingester, "txng_ingest_messages_received")

    def snapshot(self) -> Snapshot:
        """Counts now (stored rows: only those of this run)."""
        try:
            now = count_by_device(self.database, self.devices)
        except DatabaseError as err:
            log.warning("cannot count stored rows: %s", err)
            now = self.baseline
        return Snapshot(
            elapsed_s=time.monotonic() - self.started,
            received=self.received(),
            stored=_metric_total(self.ingester, "txng_ingest_items_stored"),
            duplicates=_metric_total(self.ingester, "txng_ingest_items_duplicate"),
            dead_letters=_metric_total(self.ingester, "txng_ingest_dead_letters"),
            devices={
                key: now.get(key, DeviceCounts()) - self.baseline.get(key, DeviceCounts())
                for key in self.devices
            },
            published=self.agents.published(),
        )

    def drain(self) -> None:
        """Wait until the ingester has taken nothing new for a moment (agents stopped)."""
        deadline = time.monotonic() + _DRAIN_MAX_S
        last, quiet_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            received = self.received()
            if received != last:
                last, quiet_since = received, time.monotonic()
            elif time.monotonic() - quiet_since >= _DRAIN_QUIET_S:
                return
            time.sleep(0.1)


def _wait_connected(ingester: Ingester, stopping: threading.Event) -> None:
    deadline = time.monotonic() + _CONNECT_TIMEOUT_S
    while not ingester.source.connected.is_set():
        if stopping.is_set():
            return
        if time.monotonic() > deadline:
            raise EmbeddedServiceError(f"the ingester could not reach {ingester.settings.mqtt_url}")
        time.sleep(0.05)
    time.sleep(0.3)  # let the subscription settle before devices publish


def _run(stack: contextlib.ExitStack, stopping: threading.Event, duration_s: float | None) -> int:
    show("txng demo: the whole pipeline with simulated devices (Ctrl-C stops it)")
    run_dir = Path(tempfile.mkdtemp(prefix="txng-demo-"))
    stack.callback(shutil.rmtree, run_dir, ignore_errors=True)
    run_dir.chmod(0o711)  # the embedded PostgreSQL's account must reach its data directory
    config_dir = find_config_dir()
    configs = [load_config(config_dir / name) for name in DEVICE_FILES]

    database_url = os.environ.get("TXNG_DATABASE_URL")
    if database_url:
        show(f"  database  {database_url}  (TXNG_DATABASE_URL)")
    else:
        postgres = EmbeddedPostgres(run_dir)
        stack.callback(postgres.stop)
        database_url = postgres.start()
        show(f"  database  {database_url}  (embedded PostgreSQL, {postgres.describe()})")
    if stopping.is_set():
        return 0
    mqtt_url = os.environ.get("TXNG_MQTT_URL")
    v311 = not mqtt_url
    if mqtt_url:
        show(f"  broker    {mqtt_url}  (TXNG_MQTT_URL)")
    else:
        broker = EmbeddedBroker()
        stack.callback(broker.stop)
        mqtt_url = broker.start()
        show(f"  broker    {mqtt_url}  (embedded amqtt broker in this process, MQTT 3.1.1)")

    migrate(database_url)
    ingester = Ingester(ingest_settings(database_url=database_url, mqtt_url=mqtt_url, v311=v311))
    stop_ingester = _once(ingester.stop)
    stack.callback(stop_ingester)
    ingester.start()
    _wait_connected(ingester, stopping)
    show(f"  ingester  in this process, client id {ingester.settings.ingest_client_id}")

    state_dir = run_dir / "edge"
    state_dir.mkdir()
    agents = AgentRunner(
        [for_demo(c, mqtt_url=mqtt_url, v311=v311, state_dir=state_dir) for c in configs]
    )
    stop_agents = _once(agents.stop)
    stack.callback(stop_agents)
    database = Database(database_url, max_connections=1, application_name="txng-demo")
    stack.callback(database.close)
    pipeline = _Pipeline(ingester, agents, database)
    agents.start()
    for name, config in zip(DEVICE_FILES, configs, strict=True):
        show(f"  device    {device_name((config.site, config.device))}  ({config_dir / name})")
    show("  web UI    arrives with the API issue (`txng cloud api`); until then, psql the database")
    show()

    _watch(pipeline, stopping, duration_s)
    stop_agents()
    pipeline.drain()
    stop_ingester()
    for line in summary_lines(pipeline.snapshot()):
        show(line)
    return 0


def _watch(pipeline: _Pipeline, stopping: threading.Event, duration_s: float | None) -> None:
    """Show progress until `stopping` is set or `duration_s` has passed."""
    tty = sys.stdout.isatty()
    refresh = _REFRESH_TTY_S if tty else _REFRESH_PLAIN_S
    deadline = None if duration_s is None else pipeline.started + duration_s
    next_show = time.monotonic() + refresh
    while True:
        wait = next_show - time.monotonic()
        if deadline is not None:
            wait = min(wait, deadline - time.monotonic())
        if stopping.wait(max(wait, 0.0)):
            break
        if deadline is not None and time.monotonic() >= deadline:
            break
        if time.monotonic() >= next_show:
            show(progress_line(pipeline.snapshot()), transient=tty)
            next_show += refresh
    if tty:
        show()
    show("stopping: agents, ingester, broker, database …")


def demo_command(duration_s: float | None) -> int:
    """Run the demo until Ctrl-C, SIGTERM or `duration_s` seconds; leave no process behind."""
    configure_logging(os.environ.get("TXNG_LOG_LEVEL", "WARNING"), json_lines=False)
    stopping = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        if stopping.is_set():
            log.warning("still stopping; please wait")
        stopping.set()

    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with contextlib.ExitStack() as stack:
            return _run(stack, stopping, duration_s)
    except (EmbeddedServiceError, DatabaseError, OutboxError) as err:
        log.error("the demo cannot run: %s", err)
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
