"""The derive worker: claims queued work (SKIP LOCKED), runs its handler, retries failures."""

import logging
from collections.abc import Sequence
from typing import Any

import psycopg2

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.db.work_queue import Work, WorkKind, claim, retry_later
from cloud.derive.registry import KINDS
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


class DeriveWorker:
    """Drains the work queue as a supervised worker; any number may run, in any processes.

    By default each item is done in a transaction of its own: a handler locks the subjects it
    derives (advisory locks), and holding one item's locks at a time means two workers can
    never deadlock over two items taken in different orders. A handler that fails in an
    unexpected way crashes the worker; its restart puts the item in hand back with the error
    and a delay (poison isolation), so one bad item cannot stop the queue.
    """

    def __init__(
        self,
        database: Database,
        *,
        kinds: Sequence[WorkKind[Any]] | None = None,
        batch_size: int = 1,
        idle_wait_s: float = 0.5,
        retry_delay_s: float = 30.0,
    ):
        self._database = database
        self._kinds = KINDS if kinds is None else {kind.name: kind for kind in kinds}
        self._batch_size = batch_size
        self._retry_delay_s = retry_delay_s
        self._in_hand: Work | None = None
        self.worker = SupervisedWorker(
            "derive",
            self.step,
            idle_wait_s=idle_wait_s,
            transient=(DatabaseUnavailable, DataRejected),
            on_restart=self._put_back_in_hand,
        )
        self.done = 0
        self.failed = 0

    def start(self) -> None:
        """Start the worker (alone; in a process, its `Workers` group starts it)."""
        self.worker.start()

    def wake(self) -> None:
        """Tell the worker that new work was committed (it also polls)."""
        self.worker.wake()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the work in hand, then stop."""
        self.worker.stop(timeout)

    def step(self) -> bool:
        """One batch of work; True if there was any."""
        return self.run_once() > 0

    def run_once(self) -> int:
        """Claim and do one batch of work in one transaction; return how many items were done."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            works = claim(cur, limit=self._batch_size, kinds=sorted(self._kinds))
            for work in works:
                cur.execute("SAVEPOINT work")
                self._in_hand = work
                try:
                    self._kinds[work.kind].handle(cur, work)
                except psycopg2.OperationalError:
                    raise  # the connection is gone: the whole batch goes back to the queue
                except (psycopg2.Error, ValueError, LookupError) as err:
                    self._in_hand = None
                    cur.execute("ROLLBACK TO SAVEPOINT work")
                    self._failed(cur, work, f"{type(err).__name__}: {err}")
                    continue
                self._in_hand = None  # (still set after an unexpected error: see the restart)
                cur.execute("RELEASE SAVEPOINT work")
                self.done += 1
            return len(works)

    def _failed(self, cur: psycopg2.extensions.cursor, work: Work, error: str) -> None:
        self.failed += 1
        log.error(
            "derived work failed, retrying later",
            extra={"kind": work.kind, "key": work.key, "error": error},
        )
        retry_later(cur, work, error=error, delay_s=self._retry_delay_s)

    def _put_back_in_hand(self) -> None:
        """After a crash: the item that crashed its handler is due again only after a delay."""
        work, self._in_hand = self._in_hand, None
        if work is None:
            return
        error = self.worker.health().last_error or "crashed"
        with self._database.transaction() as conn, conn.cursor() as cur:
            self._failed(cur, work, error)
