"""The derive worker: a poison item waits, ingesters never wait for a handler, leases end."""

import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from cloud.db.pool import Database
from cloud.db.work_queue import Work, WorkKind, enqueue
from plumbing.workers import Backoff
from tests.conftest import StartProcess
from tests.support.sql import scalar
from tests.support.waiting import wait_for

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def test_a_poison_work_item_waits_while_the_others_are_done(database_url: str) -> None:
    from cloud.derive.worker import DeriveWorker

    done: list[str] = []

    class Name(NamedTuple):
        name: str

    def handler(cur, key: Name, work: Work) -> None:  # type: ignore[no-untyped-def]
        if key.name == "poison":
            raise TypeError("unsupported operand")
        done.append(key.name)

    test = WorkKind("test", Name, handler)

    database = Database(database_url, max_connections=2)
    with database.transaction() as conn, conn.cursor() as cur:
        enqueue(cur, [test.work(Name(key)) for key in ("a", "poison", "b", "c")])
    worker = DeriveWorker(database, kinds=[test], idle_wait_s=0.01)
    worker.worker._backoff = Backoff(0.01, 0.01)
    worker.start()
    try:
        # The others may be done before the poison item is claimed: wait for its crash too.
        wait_for(lambda: len(done) == 3 and worker.worker.health().restarts >= 1)
        health = worker.worker.health()
        assert (health.crashes, health.restarts, health.healthy) == (1, 1, True)
    finally:
        worker.stop(5)
        database.close()
    assert sorted(done) == ["a", "b", "c"]
    row = scalar(
        database_url,
        "SELECT attempts || ' ' || last_error || ' ' || (not_before > now()) FROM work_queue",
    )
    assert row == "1 TypeError: unsupported operand true"


class _Name(NamedTuple):
    name: str


def test_an_ingester_queuing_work_never_waits_for_a_handler(database_url: str) -> None:
    from cloud.derive.worker import DeriveWorker

    started, finish = threading.Event(), threading.Event()
    seen: list[tuple[str, datetime | None, datetime | None]] = []

    def handler(cur, key: _Name, work: Work) -> None:  # type: ignore[no-untyped-def]
        cur.execute("SELECT 1")
        seen.append((key.name, work.from_time, work.to_time))
        started.set()
        finish.wait(30)

    kind = WorkKind("test", _Name, handler)
    database = Database(database_url, max_connections=3)
    with database.transaction() as conn, conn.cursor() as cur:
        enqueue(cur, [kind.work(_Name("a"), T0, T0)])
    worker = DeriveWorker(database, kinds=[kind], idle_wait_s=0.01)
    worker.start()
    try:
        assert started.wait(30)
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute("SET LOCAL lock_timeout = '2s'")  # the old queue waited for the handler
            enqueue(cur, [kind.work(_Name("a"), T0 + HOUR, T0 + HOUR)])
        finish.set()
        wait_for(lambda: len(seen) == 2)  # what was queued meanwhile is done after
        wait_for(lambda: scalar(database_url, "SELECT count(*) FROM work_queue") == 0)
    finally:
        finish.set()
        worker.stop(5)
        database.close()
    assert seen == [("a", T0, T0), ("a", T0 + HOUR, T0 + HOUR)]


def test_while_storing_is_busy_work_queued_meanwhile_waits_the_busy_settle_time(
    database_url: str,
) -> None:
    """A key that got more work while it was being done waits; longer while storing is busy."""
    from cloud.derive.worker import DeriveWorker

    database = Database(database_url, max_connections=3)
    seen: list[str] = []

    def handler(cur, key: _Name, work: Work) -> None:  # type: ignore[no-untyped-def]
        seen.append(key.name)
        if len(seen) <= 2:  # readings arrive while each of the first two is being derived
            with database.transaction() as conn, conn.cursor() as other:
                enqueue(other, [kind.work(key, T0 + HOUR, T0 + HOUR)])

    kind = WorkKind("test", _Name, handler)
    busy = [False]
    worker = DeriveWorker(
        database, kinds=[kind], settle_s=0.0, busy=lambda: busy[0], busy_settle_s=3600
    )
    due = "SELECT not_before <= now() FROM work_queue"
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [kind.work(_Name("a"), T0, T0)])
        assert worker.run_once() == 1 and scalar(database_url, due) is True  # not busy: due
        busy[0] = True
        assert worker.run_once() == 1 and scalar(database_url, due) is False  # busy: waits
        assert worker.run_once() == 0 and seen == ["a", "a"]
    finally:
        database.close()


def test_work_claimed_by_a_killed_worker_is_done_when_its_lease_runs_out(
    database_url: str, txng_process: StartProcess
) -> None:
    from cloud.derive.worker import DeriveWorker
    from tests.support.stuck_derive import STUCK, Name

    done: list[str] = []
    database = Database(database_url, max_connections=2)
    with database.transaction() as conn, conn.cursor() as cur:
        enqueue(cur, [STUCK.work(Name("a")), STUCK.work(Name("b"))])
    stuck = txng_process([database_url, "2"], {}, module="tests.support.stuck_derive")
    stuck.wait_logged("handling a")
    stuck.process.send_signal(signal.SIGKILL)
    assert stuck.wait() == -signal.SIGKILL
    kind = WorkKind("stuck", Name, lambda cur, key, work: done.append(key.name))
    worker = DeriveWorker(database, kinds=[kind], idle_wait_s=0.05)
    worker.start()
    try:
        wait_for(lambda: sorted(done) == ["a", "b"], timeout=60)
    finally:
        worker.stop(5)
        database.close()
    assert scalar(database_url, "SELECT count(*) FROM work_queue") == 0
