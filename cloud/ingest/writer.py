"""The writer: take batches from the queue, triage, store and then acknowledge them.

Two threads form a pipeline: one triages (decodes and validates) the next batch while the
other stores the current one, so the CPU work of decoding overlaps the database's work.
"""

import logging
import os
import queue
import random
import signal
import threading
import time
from collections.abc import Callable

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.ingest.metrics import IngestMetrics
from cloud.ingest.mqtt_source import InboundMessage
from cloud.ingest.persist import BatchOutcome, persist_batch, storage_letter
from cloud.ingest.settings import IngestSettings
from cloud.ingest.triage import MessagePlan, triage

log = logging.getLogger(__name__)

Acknowledge = Callable[[InboundMessage], bool]


class Writer:
    """Drains the queue in batches; a batch is acknowledged only after its commit."""

    def __init__(
        self,
        settings: IngestSettings,
        database: Database,
        inbox: "queue.Queue[InboundMessage]",
        acknowledge: Acknowledge,
        metrics: IngestMetrics,
        *,
        on_commit: Callable[[], None] | None = None,
        after_commit: Callable[[list[MessagePlan]], None] | None = None,
    ):
        self._settings = settings
        self._database = database
        self._inbox = inbox
        self._acknowledge = acknowledge
        self._metrics = metrics
        self._on_commit = on_commit
        self._after_commit = after_commit
        self._stopping = threading.Event()
        self._triaged: queue.Queue[tuple[list[InboundMessage], list[MessagePlan]]] = queue.Queue(1)
        self._triager = threading.Thread(target=self._triage, name="ingest-triage", daemon=True)
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)

    def start(self) -> None:
        """Start the triage and writer threads."""
        self._triager.start()
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batches in hand (commit and acknowledge), then stop."""
        self._stopping.set()
        self._triager.join(timeout)
        self._thread.join(timeout)

    def _take_batch(self) -> list[InboundMessage]:
        try:
            first = self._inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self._settings.ingest_batch_max_wait_ms / 1000
        while len(batch) < self._settings.ingest_batch_max_messages:
            try:
                batch.append(self._inbox.get_nowait())
            except queue.Empty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    batch.append(self._inbox.get(timeout=remaining))
                except queue.Empty:
                    break
        return batch

    def _triage(self) -> None:
        while not self._stopping.is_set():
            batch = self._take_batch()
            self._metrics.queue_depth.set(self._inbox.qsize())
            if not batch:
                continue
            self._metrics.messages_received.inc(len(batch))
            plans = [triage(m, max_bytes=self._settings.ingest_max_message_bytes) for m in batch]
            while not self._stopping.is_set():  # unstored at a stop: the broker resends them
                try:
                    self._triaged.put((batch, plans), timeout=0.2)
                    break
                except queue.Full:
                    continue

    def _run(self) -> None:
        while True:
            try:
                batch, plans = self._triaged.get(timeout=0.2)
            except queue.Empty:
                stopped = self._stopping.is_set() and not self._triager.is_alive()
                if stopped and self._triaged.empty():
                    return
                continue
            self._fault("after_receive")
            if not self._store_with_retry(plans):
                return  # stopping while the database is down: the broker keeps the messages
            self._fault("after_commit")
            if self._on_commit:
                self._on_commit()
            if self._after_commit:
                self._after_commit(plans)
            acked = sum(1 for message in batch if self._acknowledge(message))
            self._metrics.messages_acked.inc(acked)

    def _fault(self, point: str) -> None:
        if self._settings.ingest_fault_kill_at == point:
            log.warning("fault injection: killing the ingester %s", point)
            os.kill(os.getpid(), signal.SIGKILL)

    def _store_with_retry(self, plans: list[MessagePlan]) -> bool:
        delay = 0.25
        while True:
            started = time.perf_counter()
            try:
                outcome = self._store(plans)
            except DatabaseUnavailable as err:
                self._metrics.database_retries.inc()
                log.warning("database unavailable, retrying in %.1fs: %s", delay, err)
                if self._stopping.wait(delay * random.uniform(0.8, 1.2)):
                    return False
                delay = min(delay * 2, self._settings.ingest_retry_max_s)
                continue
            self._metrics.commit_seconds.observe(time.perf_counter() - started)
            self._metrics.batch_messages.observe(len(plans))
            self._count(outcome)
            return True

    def _store(self, plans: list[MessagePlan]) -> BatchOutcome:
        register = self._settings.ingest_unknown_devices == "register"
        try:
            return persist_batch(self._database, plans, register_unknown=register)
        except DataRejected as err:
            if len(plans) == 1:
                log.error("database refused a message; dead-lettering it: %s", err)
                plan = plans[0]
                refused = MessagePlan(plan.message, dead_letters=[storage_letter(plan, str(err))])
                return persist_batch(self._database, [refused], register_unknown=register)
            log.warning("database refused a batch; storing its %d messages one by one", len(plans))
            total = BatchOutcome()
            for plan in plans:
                one = self._store([plan])
                for kind, count in one.stored.items():
                    total.stored[kind] = total.stored.get(kind, 0) + count
                for kind, count in one.duplicates.items():
                    total.duplicates[kind] = total.duplicates.get(kind, 0) + count
                total.dead_letters.extend(one.dead_letters)
                total.new_dead_letter_reasons.extend(one.new_dead_letter_reasons)
            return total

    def _count(self, outcome: BatchOutcome) -> None:
        for kind, count in outcome.stored.items():
            self._metrics.items_stored.labels(kind=kind).inc(count)
        for kind, count in outcome.duplicates.items():
            self._metrics.items_duplicate.labels(kind=kind).inc(count)
        for reason in outcome.new_dead_letter_reasons:
            self._metrics.dead_letters.labels(reason=reason).inc()
        if outcome.dead_letters:
            log.warning(
                "dead-lettered %d message(s) or item(s)",
                len(outcome.dead_letters),
                extra={"reasons": sorted({d.reason for d in outcome.dead_letters})},
            )
