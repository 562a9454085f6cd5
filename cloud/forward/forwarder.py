"""The forwarder: claims due outbox items (SKIP LOCKED), sends them through an adapter, records.

Claimed rows stay locked (FOR UPDATE) for the whole send, in the transaction that then stores
the outcome and the submissions: while one forwarder sends an item no other can claim it, and
if the process dies mid-send its connection's locks vanish and the item is due again at once.
A lease (a token and an expiry written in a first transaction) would free the connection
during the send, but a send outliving its lease could then be sent twice; the far side
dedupes on our client reference anyway, so a lock is the simpler way to "never twice".
"""

import logging
import threading
from collections.abc import Iterable

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.forward_store import claim, finish, record_submissions, relock
from cloud.db.pool import Database
from cloud.db.rows.forward import OutboxItem
from cloud.forward.adapter import Adapter, ListJournal, Outcome, Result
from cloud.forward.backoff import Backoff, decide
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


class Forwarder:
    """Drains one destination's outbox with `senders` supervised workers (one transaction each).

    A send that fails in an unexpected way crashes its worker; the restart records the items
    in hand as a transient failure (with their backoff), so one poison item cannot loop.
    """

    def __init__(
        self,
        database: Database,
        adapter: Adapter,
        *,
        backoff: Backoff | None = None,
        senders: int = 1,
        idle_wait_s: float = 0.5,
    ):
        self._database = database
        self._adapter = adapter
        self._backoff = backoff or Backoff()
        self._lock = threading.Lock()
        self._in_hand: dict[str, list[OutboxItem]] = {}
        self.counts: dict[str, int] = {outcome.value: 0 for outcome in Outcome}
        self.workers = [
            self._sender(f"forward-{adapter.destination}-{n}", idle_wait_s) for n in range(senders)
        ]

    def _sender(self, name: str, idle_wait_s: float) -> SupervisedWorker:
        worker: SupervisedWorker

        def step() -> bool:
            return self.run_once(sender=name) > 0

        def fail_in_hand() -> None:
            self._fail_in_hand(name, worker.health().last_error or "crashed")

        worker = SupervisedWorker(
            name,
            step,
            idle_wait_s=idle_wait_s,
            transient=(DatabaseUnavailable, DataRejected),
            on_restart=fail_in_hand,
        )
        return worker

    def run_once(self, *, sender: str = "") -> int:
        """Claim one batch, send it, store outcomes and submissions; return how many items."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            items = claim(cur, destination=self._adapter.destination, limit=self._adapter.max_batch)
            if not items:
                return 0
            journal = ListJournal()
            self._in_hand[sender] = items
            results = self._adapter.send(items, journal)
            del self._in_hand[sender]  # (still there after an unexpected error: see the restart)
            self._sent()
            by_id: dict[int, Result] = {r.item_id: r for r in results}
            finish(cur, [decide(item, by_id.get(item.id), self._backoff) for item in items])
            record_submissions(cur, journal.submissions)
            self._count(by_id.get(item.id) for item in items)
            return len(items)

    def _count(self, results: Iterable[Result | None]) -> None:
        with self._lock:
            for result in results:
                outcome = result.outcome if result is not None else Outcome.TRANSIENT
                self.counts[outcome.value] += 1

    def _sent(self) -> None:
        """A send is done and its outcome not yet stored: where tests inject a power cut."""

    def _fail_in_hand(self, sender: str, error: str) -> None:
        """After a crash: the items whose send crashed wait their backoff like a failed send."""
        crashed = self._in_hand.pop(sender, [])
        if not crashed:
            return
        log.error("forwarder: a send crashed; its items wait their backoff", extra={"error": error})
        with self._database.transaction() as conn, conn.cursor() as cur:
            items = relock(cur, [item.id for item in crashed])  # unless another sender has them
            failed = [Result(item.id, Outcome.TRANSIENT, error) for item in items]
            finish(cur, [decide(i, r, self._backoff) for i, r in zip(items, failed, strict=True)])
        self._count(failed)

    def start(self) -> None:
        """Start the senders (alone; in a process, its `Workers` group starts them)."""
        for worker in self.workers:
            worker.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Let each sender finish its batch in hand, then stop."""
        for worker in self.workers:
            worker.stopping.set()
            worker.wake()
        for worker in self.workers:
            worker.stop(timeout)
