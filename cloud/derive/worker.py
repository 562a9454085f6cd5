"""The derive worker: claims queued work for a lease, runs its handler, retries failures."""

import logging
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import psycopg2

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.db.work_queue import Claim, Work, WorkKind, claim, done, release, retry_later
from cloud.derive.registry import KINDS
from plumbing.workers import SupervisedWorker

log = logging.getLogger(__name__)


class DeriveWorker:
    """Drains the work queue as a supervised worker; any number may run, in any processes.

    Work is claimed for `lease_s` in a short transaction, so ingesters queuing more work on the
    same keys never wait for a handler; each item is then done in a transaction of its own
    that ends by marking it done. A handler locks the subjects it derives (advisory locks), and
    holding one item's locks at a time means two workers can never deadlock over two items
    taken in different orders. A worker killed with claims in hand leaves them to others when
    the lease runs out. A handler that fails in an unexpected way crashes the worker; its
    restart puts the item in hand back with the error and a delay (poison isolation), and the
    rest of its claim back at once, so one bad item cannot stop the queue.

    Work queued on a key while it was being done waits `settle_s` (`busy_settle_s` while
    `busy()` says storing has a backlog) before it is due again (`work_queue.done`).
    """

    def __init__(
        self,
        database: Database,
        *,
        kinds: Sequence[WorkKind[Any]] | None = None,
        batch_size: int = 1,
        idle_wait_s: float = 0.5,
        retry_delay_s: float = 30.0,
        lease_s: float = 120.0,
        settle_s: float = 0.0,
        busy: Callable[[], bool] | None = None,
        busy_settle_s: float = 0.0,
    ):
        self._database = database
        self._settle_s = settle_s
        self._busy = busy
        self._busy_settle_s = max(busy_settle_s, settle_s)
        self._kinds = KINDS if kinds is None else {kind.name: kind for kind in kinds}
        self._batch_size = batch_size
        self._retry_delay_s = retry_delay_s
        self._lease_s = lease_s
        self._claim: Claim | None = None  # claimed, not all done yet; the first is in hand
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
        """Finish the item in hand, give back the rest of the claim, then stop."""
        self.worker.stop(timeout)
        self._give_back()

    def step(self) -> bool:
        """One claim's worth of work; True if there was any."""
        return self.run_once() > 0

    def run_once(self) -> int:
        """Claim up to `batch_size` items and do each; return how many were done or failed."""
        if self._claim is None:
            with self._database.transaction() as conn, conn.cursor() as cur:
                taken = claim(
                    cur, limit=self._batch_size, lease_s=self._lease_s, kinds=sorted(self._kinds)
                )
            if not taken.works:
                return 0
            self._claim = taken
        worked = 0
        while self._claim is not None and self._claim.works:
            self._do(self._claim.token, self._claim.works[0])
            del self._claim.works[0]  # (still first after an error: see the restart)
            worked += 1
        self._claim = None
        return worked

    def _do(self, token: UUID, work: Work) -> None:
        """Do one claimed item in a transaction that ends by marking it done (or failed)."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            cur.execute("SAVEPOINT work")
            try:
                self._kinds[work.kind].handle(cur, work)
            except psycopg2.OperationalError:
                raise  # the connection is gone: the item is tried again
            except (psycopg2.Error, ValueError, LookupError) as err:
                cur.execute("ROLLBACK TO SAVEPOINT work")
                self._failed(cur, token, work, f"{type(err).__name__}: {err}")
                return
            cur.execute("RELEASE SAVEPOINT work")
            done(cur, token, work, settle_s=self._settle())
        self.done += 1

    def _settle(self) -> float:
        """How long work queued meanwhile on a key just done waits: longer while storing is busy.

        Storing comes first: while the process's ingester has a backlog, a busy series is
        recomputed less often (readers take its pending range from the raw readings meanwhile).
        """
        if self._busy is not None and self._busy():
            return self._busy_settle_s
        return self._settle_s

    def _failed(self, cur: psycopg2.extensions.cursor, token: UUID, work: Work, error: str) -> None:
        self.failed += 1
        log.error(
            "derived work failed, retrying later",
            extra={"kind": work.kind, "key": work.key, "error": error},
        )
        retry_later(cur, token, work, error=error, delay_s=self._retry_delay_s)

    def _put_back_in_hand(self) -> None:
        """After a crash: the item that crashed its handler is due again only after a delay."""
        taken = self._claim
        if taken is None or not taken.works:
            self._claim = None
            return
        error = self.worker.health().last_error or "crashed"
        with self._database.transaction() as conn, conn.cursor() as cur:
            self._failed(cur, taken.token, taken.works.pop(0), error)
        self._give_back()

    def _give_back(self) -> None:
        """Release what is claimed and not started (or, without a database, let the lease end)."""
        taken, self._claim = self._claim, None
        if taken is None or not taken.works:
            return
        try:
            with self._database.transaction() as conn, conn.cursor() as cur:
                release(cur, taken.token)
        except DatabaseUnavailable:
            log.warning("could not give back claimed work; its lease will run out")
