"""The writer: take batches from the queue, triage, store and then acknowledge them.

Two supervised workers form a pipeline: `ingest-triage` decodes and validates the next batch
while `ingest-writer` stores the current one, so the CPU work of decoding overlaps the
database's work. Triage never raises for a message (poison isolation, in `triage`). A batch
whose storage crashes the writer is stored again one message at a time, and a message that
crashes it on its own is dead-lettered with the exception (`storage_failed`), so no message
can block the queue.
"""

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.ingest.metrics import IngestMetrics
from cloud.ingest.mqtt_source import InboundMessage
from cloud.ingest.persist import BatchOutcome, persist_batch, storage_letter
from cloud.ingest.triage import MessagePlan, triage
from cloud.settings.ingest import IngestSettings
from plumbing.workers import Backoff, SupervisedWorker, WorkerState

log = logging.getLogger(__name__)

Acknowledge = Callable[[InboundMessage], bool]


@dataclass
class _Batch:
    """Triaged messages on their way to the database; `alone` after a crash while storing."""

    messages: list[InboundMessage]
    plans: list[MessagePlan]
    alone: bool = False


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
        self._triaged: queue.Queue[_Batch] = queue.Queue(1)
        self._unqueued: _Batch | None = None  # triaged, waiting for room in `_triaged`
        self._in_hand: _Batch | None = None  # being stored (kept across transient failures)
        self.triager = SupervisedWorker("ingest-triage", self._triage_step, idle_wait_s=0)
        self.storer = SupervisedWorker(
            "ingest-writer",
            self._store_step,
            idle_wait_s=0,
            backoff=Backoff(max_s=settings.ingest_retry_max_s),
            transient=(DatabaseUnavailable,),
            on_restart=self._store_alone,
        )

    @property
    def workers(self) -> tuple[SupervisedWorker, SupervisedWorker]:
        """The triage and writer workers."""
        return self.triager, self.storer

    def start(self) -> None:
        """Start the triage and writer workers."""
        self.triager.start()
        self.storer.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the batches in hand (commit and acknowledge), then stop.

        Messages not stored by then stay unacknowledged: the broker sends them again.
        """
        deadline = time.monotonic() + timeout
        self.triager.stop(timeout)
        while not self._triaged.empty() and time.monotonic() < deadline:
            if self.storer.health().state in (WorkerState.BACKING_OFF, WorkerState.DEAD):
                break  # the database is down: nothing more will be stored now
            time.sleep(0.01)
        self.storer.stop(max(deadline - time.monotonic(), 0.1))

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

    def _triage_step(self) -> bool:
        if self._unqueued is None:
            messages = self._take_batch()
            self._metrics.queue_depth.set(self._inbox.qsize())
            if not messages:
                return False
            self._metrics.messages_received.inc(len(messages))
            max_bytes = self._settings.ingest_max_message_bytes
            self._unqueued = _Batch(messages, [triage(m, max_bytes=max_bytes) for m in messages])
        try:
            self._triaged.put(self._unqueued, timeout=0.2)
        except queue.Full:
            return False  # the writer is busy (or waits for the database): try again
        self._unqueued = None
        return True

    def _store_step(self) -> bool:
        if self._in_hand is None:
            try:
                self._in_hand = self._triaged.get(timeout=0.2)
            except queue.Empty:
                return False
            self._fault("after_receive")
        batch = self._in_hand
        if not batch.alone:
            self._commit(batch.messages, batch.plans)
            self._in_hand = None
            return True
        self._commit(batch.messages[:1], batch.plans[:1])  # after a crash: one at a time
        del batch.messages[0], batch.plans[0]
        if not batch.plans:
            self._in_hand = None
        return True

    def _commit(self, messages: list[InboundMessage], plans: list[MessagePlan]) -> None:
        """Store, commit, then acknowledge messages (raising DatabaseUnavailable to retry)."""
        started = time.perf_counter()
        try:
            outcome = self._store(plans)
        except DatabaseUnavailable as err:
            self._metrics.database_retries.inc()
            log.warning("database unavailable, retrying: %s", err)
            raise
        self._metrics.commit_seconds.observe(time.perf_counter() - started)
        self._metrics.batch_messages.observe(len(plans))
        self._count(outcome)
        self._fault("after_commit")
        if self._on_commit:
            self._on_commit()
        if self._after_commit:
            self._after_commit(plans)
        acked = sum(1 for message in messages if self._acknowledge(message))
        self._metrics.messages_acked.inc(acked)

    def _store_alone(self) -> None:
        """After a crash: store the batch in hand one message at a time.

        In that mode a crash is the first message's own: it becomes a dead letter carrying
        the exception, and is acknowledged with it.
        """
        batch = self._in_hand
        if batch is None:
            return
        if batch.alone:
            error = self.storer.health().last_error or "crashed"
            log.error("dead-lettering a message whose storage crashed: %s", error)
            plan = batch.plans[0]
            letter = storage_letter(plan, error, reason="storage_failed")
            batch.plans[0] = MessagePlan(plan.message, dead_letters=[letter])
        batch.alone = True

    def _fault(self, point: str) -> None:
        """A point of the work (after_receive, after_commit) where tests inject a crash."""

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
                for kind, count in one.quarantined.items():
                    total.quarantined[kind] = total.quarantined.get(kind, 0) + count
                total.dead_letters.extend(one.dead_letters)
                total.new_dead_letter_reasons.extend(one.new_dead_letter_reasons)
            return total

    def _count(self, outcome: BatchOutcome) -> None:
        for kind, count in outcome.stored.items():
            self._metrics.items_stored.labels(kind=kind).inc(count)
        for kind, count in outcome.duplicates.items():
            self._metrics.items_duplicate.labels(kind=kind).inc(count)
        for kind, count in outcome.quarantined.items():
            self._metrics.items_quarantined.labels(kind=kind).inc(count)
        for reason in outcome.new_dead_letter_reasons:
            self._metrics.dead_letters.labels(reason=reason).inc()
        if outcome.dead_letters:
            log.warning(
                "dead-lettered %d message(s) or item(s)",
                len(outcome.dead_letters),
                extra={"reasons": sorted({d.reason for d in outcome.dead_letters})},
            )
