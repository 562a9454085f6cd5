"""A work item whose handler fails unexpectedly is put back with its error; the rest goes on."""

from typing import NamedTuple

from cloud.db.pool import Database
from cloud.db.work_queue import Work, WorkKind, enqueue
from plumbing.workers import Backoff
from tests.support.sql import scalar
from tests.support.waiting import wait_for


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
        wait_for(lambda: len(done) == 3)
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
