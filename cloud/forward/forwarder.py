"""The forwarder: claims due outbox items (SKIP LOCKED), sends them through an adapter, records.

Claimed rows stay locked (FOR UPDATE) for the whole send, in the transaction that then stores
the outcome and the submissions: while one forwarder sends an item no other can claim it, and
if the process dies mid-send its connection's locks vanish and the item is due again at once.
A lease (a token and an expiry written in a first transaction) would free the connection
during the send, but a send outliving its lease could then be sent twice; the far side
dedupes on our client reference anyway, so a lock is the simpler way to "never twice".
"""

import logging
import os
import signal
import threading
from collections.abc import Iterable

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.forward_store import claim, finish, record_submissions
from cloud.db.pool import Database
from cloud.forward.adapter import Adapter, ListJournal, Outcome, Result
from cloud.forward.backoff import Backoff, decide

log = logging.getLogger(__name__)


class Forwarder:
    """Drains one destination's outbox with `senders` threads (each its own transaction)."""

    def __init__(
        self,
        database: Database,
        adapter: Adapter,
        *,
        backoff: Backoff | None = None,
        senders: int = 1,
        idle_wait_s: float = 0.5,
        kill_after: int | None = None,
    ):
        self._database = database
        self._adapter = adapter
        self._backoff = backoff or Backoff()
        self._senders = senders
        self._idle_wait_s = idle_wait_s
        self._kill_after = kill_after  # testing only: SIGKILL self after this many sends
        self._sends = 0
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {outcome.value: 0 for outcome in Outcome}

    def run_once(self) -> int:
        """Claim one batch, send it, store outcomes and submissions; return how many items."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            items = claim(cur, destination=self._adapter.destination, limit=self._adapter.max_batch)
            if not items:
                return 0
            journal = ListJournal()
            results = self._adapter.send(items, journal)
            self._maybe_die()
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

    def _maybe_die(self) -> None:
        """Testing only: die like a power cut after a send, before its outcome is stored."""
        if self._kill_after is None:
            return
        with self._lock:
            self._sends += 1
            if self._sends >= self._kill_after:
                os.kill(os.getpid(), signal.SIGKILL)

    def start(self) -> None:
        """Start the sender threads."""
        for index in range(self._senders):
            thread = threading.Thread(target=self._run, name=f"forward-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 30.0) -> None:
        """Let each sender finish its batch in hand, then stop."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)

    def wait(self) -> None:
        """Block until the senders stop."""
        for thread in self._threads:
            thread.join()

    def _run(self) -> None:
        delay = 0.25
        while not self._stopping.is_set():
            try:
                count = self.run_once()
                delay = 0.25
            except (DatabaseUnavailable, DataRejected) as err:
                log.warning("forwarder: database trouble (%s); retrying", err)
                self._stopping.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            except Exception:  # the task supervisor: log, count, go on
                log.exception("forwarder: a send failed unexpectedly; retrying")
                with self._lock:
                    self.counts["crashed"] = self.counts.get("crashed", 0) + 1
                self._stopping.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            if count == 0:
                self._stopping.wait(self._idle_wait_s)
