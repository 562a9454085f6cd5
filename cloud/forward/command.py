"""`txng cloud forward`: drain one destination's outbox until SIGTERM/SIGINT."""

import logging
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from cloud.db.errors import DatabaseUnavailable
from cloud.db.forward_store import register_destination
from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.forward.registry import ADAPTERS
from cloud.settings import load_tree
from cloud.status_server import StatusServer
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError
from plumbing.signals import stop_on_signals
from plumbing.workers import Workers

log = logging.getLogger(__name__)


class _OutcomeCollector(Collector):
    """`txng_forward_items_total{destination, outcome}` from the forwarder's counts."""

    def __init__(self, forwarder: Forwarder, destination: str):
        self._forwarder = forwarder
        self._destination = destination

    def collect(self) -> Iterator[Metric]:
        """One sample per outcome."""
        family = CounterMetricFamily(
            "txng_forward_items",
            "Outbox items sent, by outcome",
            labels=["destination", "outcome"],
        )
        for outcome, count in sorted(self._forwarder.counts.items()):
            family.add_metric([self._destination, outcome], float(count))
        yield family


def forward_command() -> int:
    """Run the forwarder for TXNG_FORWARD_DESTINATION with TXNG_FORWARD_ADAPTER.

    Exits 0 when asked to stop, 1 when the destination cannot be registered, and
    EXIT_WORKER_FAILED when a sender died (so that systemd or compose restart the process).
    """
    settings = load_tree().forward  # every section checked at start-up
    configure_logging(settings.log_level)
    factory = ADAPTERS.get(settings.forward_adapter)
    if factory is None:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(f"TXNG_FORWARD_ADAPTER: {settings.forward_adapter!r} (known: {known})")
    database = Database(
        settings.database_url,
        max_connections=2 * settings.forward_senders + 2,
        application_name="txng-forward",
    )
    if settings.forward_register:
        try:
            with database.transaction() as conn, conn.cursor() as cur:
                register_destination(
                    cur, name=settings.forward_destination, adapter=settings.forward_adapter
                )
        except DatabaseUnavailable as err:
            log.error("forwarder: cannot register the destination: %s", err)
            return 1
    adapter = factory(database, settings)
    forwarder = Forwarder(
        database,
        adapter,
        backoff=Backoff(settings.forward_backoff_base_s, settings.forward_backoff_cap_s),
        senders=settings.forward_senders,
        idle_wait_s=settings.forward_idle_wait_s,
    )
    workers = Workers()
    for worker in forwarder.workers:
        workers.add(worker)
    status = None
    if settings.forward_status_port:
        registry = CollectorRegistry()
        registry.register(_OutcomeCollector(forwarder, settings.forward_destination))
        status = StatusServer(registry, workers)
        status.start(settings.forward_status_port)
    stopping = stop_on_signals(log)
    workers.start()
    log.info(
        "forwarder running",
        extra={"destination": settings.forward_destination, "pid": os.getpid()},
    )
    code = workers.run_until(stopping)
    workers.stop()
    if status is not None:
        status.stop()
    adapter.close()
    database.close()
    log.info("forwarder stopped", extra={"counts": forwarder.counts, "exit_code": code})
    return code
