"""The ingester process: MQTT source → bounded queue → writer → database; `txng cloud ingest`."""

import logging
import queue
import sys
import threading

from cloud.coldchain.sweeper import ColdChainSweeper
from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from cloud.ingest.metrics import IngestMetrics
from cloud.ingest.mqtt_source import InboundMessage, MqttSource
from cloud.ingest.receipts import ReceiptPublisher
from cloud.ingest.writer import Writer
from cloud.nodata.devices import device_checks
from cloud.notify.escalation import Escalator
from cloud.notify.mqtt_publisher import AlertPublisher
from cloud.notify.notifier import Notifier
from cloud.notify.people import PeopleNotifier
from cloud.settings import load_tree
from cloud.settings.ingest import IngestSettings
from cloud.settings.notify import load_people_settings
from cloud.status_server import StatusServer
from plumbing.logs import configure_logging
from plumbing.signals import stop_on_signals
from plumbing.workers import Workers

log = logging.getLogger(__name__)


class Ingester:
    """One ingester: start() connects and begins storing; stop() finishes the batch in hand.

    Its loops (triage, writer, derive, cold-chain sweeper, notifier) are supervised workers of
    one `Workers` group: `workers.failed` is set when one of them died.
    """

    def __init__(self, settings: IngestSettings):
        self.settings = settings
        self.metrics = IngestMetrics()
        self.database = Database(
            settings.database_url, max_connections=5, application_name="txng-ingest"
        )
        self._inbox: queue.Queue[InboundMessage] = queue.Queue(settings.ingest_queue_size)
        self.source = MqttSource(settings, self._inbox)
        self.derive_worker = (
            DeriveWorker(
                self.database,
                settle_s=settings.ingest_derive_settle_s,
                busy=self._backlogged,
                busy_settle_s=settings.ingest_derive_busy_settle_s,
            )
            if settings.ingest_derive
            else None
        )
        self.sweeper = (
            ColdChainSweeper(
                self.database,
                interval_s=settings.coldchain_sweep_s,
                default_silent_after_s=settings.coldchain_silent_after_s,
                receiving_s=settings.coldchain_receiving_s,
                devices=device_checks(settings),
            )
            if settings.ingest_derive and settings.coldchain_sweep
            else None
        )
        self.notifier = (
            Notifier(
                self.database,
                AlertPublisher(
                    settings.mqtt,
                    client_id=f"{settings.ingest_client_id}-alerts",
                    protocol=settings.mqtt_protocol,
                ),
                backoff_max_s=settings.notify_backoff_max_s,
                webhook_timeout_s=settings.notify_webhook_timeout_s,
            )
            if settings.notify
            else None
        )
        people = load_people_settings() if settings.notify else None
        self.people = PeopleNotifier(self.database, people) if people else None
        self.escalator = (
            Escalator(self.database, people, on_queued=self.people.worker.wake)
            if people and self.people
            else None
        )
        self.receipts = ReceiptPublisher(
            settings.mqtt,
            client_id=f"{settings.ingest_client_id}-receipts",
            protocol=settings.mqtt_protocol,
            metrics=self.metrics,
        )
        self.writer = Writer(
            settings,
            self.database,
            self._inbox,
            self.source.ack,
            self.metrics,
            on_commit=self.derive_worker.wake if self.derive_worker else None,
            after_commit=self.receipts.after_commit,
        )
        self.workers = Workers()
        for worker in self.writer.workers:
            self.workers.add(worker)
        for part in (self.derive_worker, self.sweeper, self.notifier, self.people, self.escalator):
            if part is not None:
                self.workers.add(part.worker)
        self.status = StatusServer(self.metrics.registry, self.workers, details=self._details)
        self.status_port: int | None = None

    def _backlogged(self) -> bool:
        """Whether storing has a backlog: the queue of received messages is over half full."""
        return self._inbox.qsize() * 2 > self.settings.ingest_queue_size

    def _details(self) -> dict[str, object]:
        return {
            "broker_connected": self.source.connected.is_set(),
            "queue_depth": self._inbox.qsize(),
        }

    def start(self) -> None:
        """Start the workers, the MQTT connection and (if configured) the status endpoints."""
        if self.settings.ingest_metrics_port:
            self.status_port = self.status.start(self.settings.ingest_metrics_port)
        if self.derive_worker:
            self.derive_worker.start()
        if self.sweeper:
            self.sweeper.start()
        if self.notifier:
            self.notifier.start()
        for worker in (self.people, self.escalator):
            if worker:
                worker.worker.start()
        self.receipts.start()
        self.writer.start()
        self.source.start()

    def stop(self) -> None:
        """Stop taking messages, commit and acknowledge what is in hand, disconnect."""
        self.writer.stop()
        self.source.stop()
        self.receipts.stop()
        if self.derive_worker:
            self.derive_worker.stop()
        if self.sweeper:
            self.sweeper.stop()
        if self.notifier:
            self.notifier.stop()
        for worker in (self.people, self.escalator):
            if worker:
                worker.worker.stop()
        self.status.stop()
        self.database.close()

    def run_until(self, stopping: threading.Event) -> int:
        """Block until `stopping` is set (0) or a worker died (EXIT_WORKER_FAILED)."""
        return self.workers.run_until(stopping)


def ingest_command() -> int:
    """Run the ingester until SIGTERM or SIGINT; exit EXIT_WORKER_FAILED if a worker died."""
    settings = load_tree().ingest  # every section checked at start-up
    configure_logging(settings.log_level)
    sys.setswitchinterval(settings.ingest_switch_interval_ms / 1000)
    ingester = Ingester(settings)
    stopping = stop_on_signals(log)
    ingester.start()
    log.info(
        "ingester running",
        extra={
            "client_id": settings.ingest_client_id,
            "group": settings.ingest_share_group,
            "switch_interval_ms": round(sys.getswitchinterval() * 1000, 3),
        },
    )
    code = ingester.run_until(stopping)
    ingester.stop()
    log.info("ingester stopped", extra={"exit_code": code})
    return code
