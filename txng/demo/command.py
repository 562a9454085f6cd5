"""`txng demo`: the story of a longan season through the whole pipeline, then live until stopped.

Services start (database, broker, portal simulator and forwarder, ingester, web UI), the
example master data is imported and the story's devices approved; the devices then replay the
season on a simulated clock, the console narrates it, and once the pipeline has caught up the
demo says what to open. It stops on Ctrl-C/SIGTERM (or `--duration` seconds after the story)
and prints one JSON summary line.
"""

import contextlib
import logging
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
from cloud.settings.common import DatabaseSection
from cloud.settings.ingest import IngestSettings, load_ingest_settings
from edge.clock import ScaledClock
from edge.outbox import OutboxError
from plumbing.logs import configure_logging
from plumbing.redact import redact
from plumbing.settings import configured, load_settings, log_level
from plumbing.workers import EXIT_WORKER_FAILED
from txng.demo.agents import AgentRunner, mqtt_section, state_dir
from txng.demo.devices import story_devices
from txng.demo.display import Narrator, Snapshot, progress_line, show, summary_line
from txng.demo.portal import DESTINATION, DemoPortal
from txng.demo.report import count_story, settle, what_to_open
from txng.demo.seed import seed
from txng.demo.story import DOOR_OPEN, DOOR_OPEN_TEXT, END, START
from txng.demo.web import ADMIN, DemoWebUI
from txng.embedded import EmbeddedBroker, EmbeddedPostgres, EmbeddedServiceError
from txng.settings import load_demo_settings

log = logging.getLogger(__name__)

_REFRESH_S = 5.0
_CONNECT_TIMEOUT_S = 15.0


def _once(action: Callable[[], None]) -> Callable[[], None]:
    """`action`, made safe to call twice (the normal stop and the stop after an error)."""
    done = threading.Event()

    def run() -> None:
        if not done.is_set():
            done.set()
            action()

    return run


def ingest_settings(*, database_url: str, mqtt_url: str, v311: bool) -> IngestSettings:
    """The ingester's settings: the environment's, with the demo's endpoints.

    The story replays days of the past: silence of probes is judged against wall-clock time,
    so that sweep is off.
    """
    overrides: dict[str, object] = {
        "database_url": database_url,
        "mqtt_url": mqtt_url,
        "coldchain_sweep": False,
    }
    if v311:  # amqtt: MQTT 3.1.1 only, no shared subscriptions
        overrides |= {"mqtt_protocol": "3.1.1", "ingest_share_group": None}
    given = load_ingest_settings(**overrides)
    if not configured(given, "ingest_metrics_port"):
        overrides["ingest_metrics_port"] = 0
    if not configured(given, "ingest_client_id"):
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
        self.baseline = count_by_device(database, agents.devices)  # rows from earlier runs
        self.started = time.monotonic()

    def snapshot(self) -> Snapshot:
        """Counts now (stored rows: only those of this run)."""
        try:
            now = count_by_device(self.database, self.agents.devices)
        except DatabaseError as err:
            log.warning("cannot count stored rows: %s", err)
            now = self.baseline
        return Snapshot(
            elapsed_s=time.monotonic() - self.started,
            story_time=self.agents.clock.now(),
            received=_metric_total(self.ingester, "txng_ingest_messages_received"),
            stored=_metric_total(self.ingester, "txng_ingest_items_stored"),
            duplicates=_metric_total(self.ingester, "txng_ingest_items_duplicate"),
            dead_letters=_metric_total(self.ingester, "txng_ingest_dead_letters"),
            devices={
                key: now.get(key, DeviceCounts()) - self.baseline.get(key, DeviceCounts())
                for key in self.agents.devices
            },
            published=self.agents.published(),
        )


def _wait_connected(ingester: Ingester, stopping: threading.Event) -> None:
    deadline = time.monotonic() + _CONNECT_TIMEOUT_S
    while not ingester.source.subscribed.is_set():  # then no device message can pass it by
        if stopping.is_set():
            return
        if time.monotonic() > deadline:
            raise EmbeddedServiceError(
                f"the ingester could not subscribe at {redact(ingester.settings.mqtt_url)}"
            )
        time.sleep(0.05)


def _services(stack: contextlib.ExitStack, run_dir: Path) -> tuple[str, str, bool]:
    """The database and the broker: configured ones, or embedded ones; (db url, mqtt url, 3.1.1)."""
    database = load_settings(DatabaseSection, {})
    database_url = database.database_url if configured(database, "database_url") else None
    if database_url:
        show(f"  database  {redact(database_url)}  (TXNG_DATABASE_URL)")
    else:
        postgres = EmbeddedPostgres(run_dir)
        stack.callback(postgres.stop)
        database_url = postgres.start()
        show(f"  database  {database_url}  (embedded PostgreSQL, {postgres.describe()})")
    ingest = load_ingest_settings()
    mqtt_url = ingest.mqtt_url if configured(ingest, "mqtt_url") else None
    if mqtt_url:
        show(f"  broker    {redact(mqtt_url)}  (TXNG_MQTT_URL)")
        return database_url, mqtt_url, False
    broker = EmbeddedBroker()
    stack.callback(broker.stop)
    mqtt_url = broker.start()
    show(f"  broker    {mqtt_url}  (embedded amqtt broker in this process, MQTT 3.1.1)")
    return database_url, mqtt_url, True


def _run(stack: contextlib.ExitStack, stopping: threading.Event, duration_s: float | None) -> int:
    show("txng demo: a longan season from a Hưng Yên orchard to a Hà Nội shop (Ctrl-C stops it)")
    run_dir = Path(tempfile.mkdtemp(prefix="txng-demo-"))
    stack.callback(shutil.rmtree, run_dir, ignore_errors=True)
    run_dir.chmod(0o711)  # the embedded PostgreSQL's account must reach its data directory
    database_url, mqtt_url, v311 = _services(stack, run_dir)
    if stopping.is_set():
        return 0
    migrate(database_url)
    story_s = load_demo_settings().demo_story_s
    clock = ScaledClock(START, speed=(END - START).total_seconds() / story_s, paused=True)
    configs = story_devices(mqtt=mqtt_section(mqtt_url, v311=v311), state_dir=state_dir(run_dir))
    seed(database_url, [(c.site, c.device) for c in configs], destination=DESTINATION)
    show("  data      example master data imported; the story's 6 devices approved")

    portal = DemoPortal(database_url)
    stack.callback(_once(portal.stop))
    portal.start()
    show(f"  portal    {portal.url}  (national portal simulator; the forwarder feeds it)")
    ingester = Ingester(ingest_settings(database_url=database_url, mqtt_url=mqtt_url, v311=v311))
    stop_ingester = _once(ingester.stop)
    stack.callback(stop_ingester)
    ingester.start()
    _wait_connected(ingester, stopping)
    web = DemoWebUI(database_url)
    stack.callback(web.stop)
    web_url = web.start()
    show(f"  web UI    {web_url}  (log in as {ADMIN} / {web.password})")
    if stopping.is_set():
        return 0

    agents = AgentRunner(configs, clock)
    stop_agents = _once(agents.stop)
    stack.callback(stop_agents)
    database = Database(database_url, max_connections=1, application_name="txng-demo")
    stack.callback(database.close)
    pipeline = _Pipeline(ingester, agents, database)
    show(
        f"\nThe story, 20 Jul to 6 Aug 2026, in about {story_s:.0f} s "
        f"(the devices' clock runs {clock.speed:,.0f} times as fast):"
    )
    agents.start()
    told = _tell(pipeline, stopping)
    if told:
        clock.set_speed(1.0)  # from here on the devices run in real time
        show("  … the pipeline catches up (derived data, forwarding) …")
        if settle(database, agents.unsent, stopping.is_set):
            counts = count_story(database, web_url, portal)
            show()
            for line in what_to_open(counts, web_url, portal.url):
                show(line)
        _watch(pipeline, stopping, duration_s)
    stop_agents()
    failure = ingester.workers.failure
    if failure is None:  # what the devices sent, processed (not what they could not send)
        settle(database, lambda: 0, lambda: False, max_s=15.0)
    counts = count_story(database, web_url, portal)
    snapshot = pipeline.snapshot()
    stop_ingester()
    if failure is not None:
        show(f"the demo stopped because the ingester failed: {failure}")
    show(summary_line(snapshot, {"story": "told" if told else "cut short", **counts.summary()}))
    if failure is not None:
        return EXIT_WORKER_FAILED
    return 0


def _tell(pipeline: _Pipeline, stopping: threading.Event) -> bool:
    """Narrate the story until its end (True) or a stop (False)."""
    narrator = Narrator([(DOOR_OPEN[0], DOOR_OPEN_TEXT)])
    clock = pipeline.agents.clock
    next_progress = time.monotonic() + _REFRESH_S
    while not stopping.wait(0.1) and not pipeline.ingester.workers.failed.is_set():
        now = clock.now()
        for line in narrator.due(now):
            show(line)
        if time.monotonic() >= next_progress:
            show(progress_line(pipeline.snapshot()))
            next_progress += _REFRESH_S
        if now >= END:
            return True
    return False


def _watch(pipeline: _Pipeline, stopping: threading.Event, duration_s: float | None) -> None:
    """Live, until `stopping` is set, `duration_s` has passed or the ingester failed."""
    if duration_s is None:
        show("\nRunning live (Ctrl-C stops the demo).")
    deadline = None if duration_s is None else time.monotonic() + duration_s
    next_show, last = time.monotonic() + _REFRESH_S, ""
    while not (stopping.is_set() or pipeline.ingester.workers.failed.is_set()):
        now = time.monotonic()
        if deadline is not None and now >= deadline:
            break
        if now >= next_show:
            next_show = now + _REFRESH_S
            line = progress_line(pipeline.snapshot())
            if line.split("]", 1)[1] != last:  # only when something changed
                show(line)
                last = line.split("]", 1)[1]
        stopping.wait(0.5 if deadline is None else min(0.5, max(deadline - now, 0.0)))
    show("stopping: devices, forwarder, ingester, web UI, broker, database …")


def demo_command(duration_s: float | None) -> int:
    """Run the demo until Ctrl-C, SIGTERM or `duration_s` after the story; leave nothing behind."""
    configure_logging(log_level(default="WARNING"), json_lines=False)
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
        sys.stdout.flush()
