"""The derive worker: claims queued work (SKIP LOCKED), runs its handler, retries failures."""

import logging
import threading
import time

import psycopg2

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.db.work_queue import Work, claim, retry_later
from cloud.derive.registry import HANDLERS, Handler

log = logging.getLogger(__name__)


class DeriveWorker:
    """A thread that drains the work queue; any number of them may run, in any processes.

    By default each item is done in a transaction of its own: a handler locks the subjects it
    derives (advisory locks), and holding one item's locks at a time means two workers can
    never deadlock over two items taken in different orders.
    """

    def __init__(
        self,
        database: Database,
        *,
        handlers: dict[str, Handler] | None = None,
        batch_size: int = 1,
        idle_wait_s: float = 0.5,
        retry_delay_s: float = 30.0,
    ):
        self._database = database
        self._handlers = handlers if handlers is not None else HANDLERS
        self._batch_size = batch_size
        self._idle_wait_s = idle_wait_s
        self._retry_delay_s = retry_delay_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="derive-worker", daemon=True)
        self.done = 0
        self.failed = 0

    def start(self) -> None:
        """Start the worker thread."""
        self._thread.start()

    def wake(self) -> None:
        """Tell the worker that new work was committed (it also polls)."""
        self._wake.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the work in hand, then stop."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout)

    def run_once(self) -> int:
        """Claim and do one batch of work in one transaction; return how many items were done."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            works = claim(cur, limit=self._batch_size, kinds=sorted(self._handlers))
            for work in works:
                cur.execute("SAVEPOINT work")
                try:
                    self._handlers[work.kind](cur, work)
                except psycopg2.OperationalError:
                    raise  # the connection is gone: the whole batch goes back to the queue
                except (psycopg2.Error, ValueError, LookupError) as err:
                    cur.execute("ROLLBACK TO SAVEPOINT work")
                    self._failed(cur, work, err)
                    continue
                cur.execute("RELEASE SAVEPOINT work")
                self.done += 1
            return len(works)

    def _failed(self, cur: psycopg2.extensions.cursor, work: Work, err: Exception) -> None:
        self.failed += 1
        log.error(
            "derived work failed, retrying later",
            extra={"kind": work.kind, "key": work.key, "error": str(err)},
        )
        retry_later(cur, work, error=f"{type(err).__name__}: {err}", delay_s=self._retry_delay_s)

    def _run(self) -> None:
        delay = 0.25
        while not self._stopping.is_set():
            try:
                count = self.run_once()
                delay = 0.25
            except DatabaseUnavailable as err:
                log.warning("derive worker: database unavailable (%s); retrying", err)
                self._stopping.wait(delay)
                delay = min(delay * 2, 30.0)
                continue
            except DataRejected as err:
                log.error("derive worker: batch refused (%s); retrying", err)
                self._stopping.wait(delay)
                continue
            if count == 0:
                self._wake.wait(self._idle_wait_s)
                self._wake.clear()
            else:
                time.sleep(0)  # let the writer thread run between batches
