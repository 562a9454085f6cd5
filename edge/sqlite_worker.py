"""One thread that owns the only SQLite connection and runs every job, grouped in transactions.

Why this shape: with one connection used by one thread, no two writers ever compete for the
database, so "database is locked" cannot happen inside the agent (a second agent on the same
file is refused by a lock file before it opens it). Jobs that arrive while the thread is busy
are run together in one transaction (group commit): one fsync covers many puts and deletes,
and a job's result is delivered only after its transaction has committed.
"""

import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
Job = tuple[Callable[[sqlite3.Connection], Any], "Future[Any]"]
_MAX_GROUP = 512


class SqliteWorker:
    """A thread running callables against one SQLite connection, in group-committed batches."""

    def __init__(
        self,
        path: Path,
        *,
        setup: Callable[[sqlite3.Connection], None],
        on_group: Callable[[], None] | None = None,
    ) -> None:
        self._path = path
        self._setup = setup
        self._on_group = on_group
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._ready: Future[None] = Future()
        self._thread = threading.Thread(target=self._run, name="outbox-sqlite", daemon=True)

    def start(self) -> None:
        """Open the database in the worker thread; raises what opening raised."""
        self._thread.start()
        self._ready.result()

    def submit(self, job: Callable[[sqlite3.Connection], T]) -> "Future[T]":
        """Queue `job`; its future resolves after the transaction that ran it has committed."""
        future: Future[T] = Future()
        self._jobs.put((job, future))
        return future

    def close(self) -> None:
        """Finish queued jobs, then close the connection and end the thread."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()

    def _run(self) -> None:
        try:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=True)
            self._setup(connection)
        except (sqlite3.Error, OSError) as err:
            self._ready.set_exception(err)
            return
        self._ready.set_result(None)
        try:
            while (group := self._next_group()) is not None:
                self._run_group(connection, group)
        finally:
            connection.close()

    def _next_group(self) -> list[Job] | None:
        first = self._jobs.get()
        if first is None:
            return None
        group = [first]
        while len(group) < _MAX_GROUP:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is None:
                self._jobs.put(None)  # finish this group, then stop
                break
            group.append(job)
        return group

    def _run_group(self, connection: sqlite3.Connection, group: list[Job]) -> None:
        group = [job for job in group if job[1].set_running_or_notify_cancel()]  # skip cancelled
        if not group:
            return
        results: list[tuple[Future[Any], Any, BaseException | None]] = []
        if self._on_group is not None:
            self._on_group()
        try:
            connection.execute("BEGIN IMMEDIATE")
            for job, future in group:
                connection.execute("SAVEPOINT job")
                try:
                    results.append((future, job(connection), None))
                    connection.execute("RELEASE job")
                except (sqlite3.Error, ValueError) as err:  # this job fails, the group goes on
                    connection.execute("ROLLBACK TO job")
                    connection.execute("RELEASE job")
                    results.append((future, None, err))
            connection.execute("COMMIT")
        except sqlite3.Error as err:
            logger.error("outbox transaction failed: %s", err)
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            for _, future in group:
                future.set_exception(err)
            return
        for future, result, error in results:
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
