"""`txng demo`: start database, broker, ingester and devices; show progress; stop it all."""

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

from cloud.db.counts import DeviceCounts, count_by_device
from cloud.db.errors import DatabaseError
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.ingest.service import Ingester
from cloud.ingest.settings import IngestSettings, load_ingest_settings
from edge.config import load_config
from edge.outbox import OutboxError
from plumbing.logs import configure_logging
from plumbing.workers import EXIT_WORKER_FAILED
from txng.demo.agents import DEVICE_FILES, AgentRunner, find_config_dir, for_demo
from txng.demo.display import Snapshot, device_name, progress_line, show, summary_lines
from txng.demo.web import ADMIN, DemoWebUI
from txng.embedded import EmbeddedBroker, EmbeddedPostgres, EmbeddedServiceError

log = logging.getLogger(__name__)

_REFRESH_TTY_S = 1.0
_REFRESH_PLAIN_S = 5.0
_CONNECT_TIMEOUT_S = 15.0
_DRAIN_QUIET_S = 1.0
_DRAIN_MAX_S = 8.0


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """`action`, made safe to call twice (the normal stop and the stop after an error)."""
    done = threading.Event()

    def run() -> None:
        if not done.is_set():
            done.set()
            action()

    return run


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
    while not ingester.source.subscribed.is_set():  # then no device message can pass it by
        if stopping.is_set():
            return
        if time.monotonic() > deadline:
            raise EmbeddedServiceError(
                f"the ingester could not subscribe at {ingester.settings.mqtt_url}"
            )
        time.sleep(0.05)


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
    if stopping.is_set():
        return 0
    migrate(database_url)
    ingester = Ingester(ingest_settings(database_url=database_url, mqtt_url=mqtt_url, v311=v311))
    stop_ingester = _once(ingester.stop)
    stack.callback(stop_ingester)
    ingester.start()
    _wait_connected(ingester, stopping)
    if stopping.is_set():
        return 0
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
    web = DemoWebUI(database_url)
    stack.callback(web.stop)
    show(f"  web UI    {web.start()}  (log in as {ADMIN} / {web.password})")
    show()

    _watch(pipeline, stopping, duration_s)
    stop_agents()
    failure = ingester.workers.failure
    if failure is None:
        pipeline.drain()
    stop_ingester()
    for line in summary_lines(pipeline.snapshot()):
        show(line)
    if failure is not None:
        show(f"the demo stopped because the ingester failed: {failure}")
        return EXIT_WORKER_FAILED
    return 0


def _watch(pipeline: _Pipeline, stopping: threading.Event, duration_s: float | None) -> None:
    """Show progress until `stopping` is set, `duration_s` has passed or the ingester failed."""
    tty = sys.stdout.isatty()
    refresh = _REFRESH_TTY_S if tty else _REFRESH_PLAIN_S
    deadline = None if duration_s is None else pipeline.started + duration_s
    next_show = time.monotonic() + refresh
    while True:
        wait = next_show - time.monotonic()
        if deadline is not None:
            wait = min(wait, deadline - time.monotonic())
        if stopping.wait(min(max(wait, 0.0), 0.5)) or pipeline.ingester.workers.failed.is_set():
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
