"""The work queue's claims: short, lock-free for writers, and what is queued meanwhile stays."""

from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import psycopg2

from cloud.db.pool import Database
from cloud.db.work_queue import WorkKind, claim, done, enqueue, release, retry_later
from tests.support.sql import query

T0 = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)


class Name(NamedTuple):
    name: str


KIND = WorkKind("test", Name, lambda cur, key, work: None)


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _rows(url: str) -> list[tuple[object, ...]]:
    return query(
        url,
        "SELECT key, from_time, to_time, claimed_by IS NOT NULL FROM work_queue ORDER BY key",
    )


def test_work_queued_on_a_claimed_key_neither_waits_nor_is_lost(database_url: str) -> None:
    database = Database(database_url, max_connections=3)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [KIND.work(Name("a"), _at(0), _at(10)), KIND.work(Name("b"))])
        with database.transaction() as conn, conn.cursor() as cur:
            taken = claim(cur, limit=10, lease_s=60)
        assert [(w.key, w.from_time, w.to_time) for w in taken.works] == [
            ("a", _at(0), _at(10)),
            ("b", None, None),
        ]
        # The worker's transaction is open (it did `a` and marks it done) while an ingester
        # queues more on `a`: the ingester must not wait for it.
        with database.transaction() as worker, worker.cursor() as cur:
            cur.execute("SELECT 1")  # the handler's work, holding no lock on the queue
            with database.transaction() as ingester, ingester.cursor() as other:
                other.execute("SET LOCAL lock_timeout = '2s'")
                enqueue(other, [KIND.work(Name("a"), _at(20), _at(30))])
            assert _rows(database_url)[0] == ("a", _at(0), _at(30), True)  # all of it pending
            done(cur, taken.token, taken.works[0])
        # What was queued after the claim is what remains; `b` is still claimed.
        assert _rows(database_url) == [("a", _at(20), _at(30), False), ("b", None, None, True)]
        with database.transaction() as conn, conn.cursor() as cur:
            done(cur, taken.token, taken.works[1])
            again = claim(cur, limit=10, lease_s=60)
        assert [(w.key, w.from_time, w.to_time) for w in again.works] == [
            ("a", _at(20), _at(30))
        ]
        with database.transaction() as conn, conn.cursor() as cur:
            done(cur, again.token, again.works[0])
        assert _rows(database_url) == []
    finally:
        database.close()


def test_a_claim_is_the_claimants_until_its_lease_runs_out(database_url: str) -> None:
    database = Database(database_url, max_connections=2)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [KIND.work(Name("a"))])
            first = claim(cur, limit=10, lease_s=60)
            assert claim(cur, limit=10, lease_s=60).works == []  # claimed: not due
            cur.execute("UPDATE work_queue SET claimed_until = now() - interval '1 second'")
            second = claim(cur, limit=10, lease_s=60)  # the first claimant died, say
        assert [w.key for w in second.works] == ["a"]
        with database.transaction() as conn, conn.cursor() as cur:
            done(cur, first.token, first.works[0])  # too late: no longer the first's
            retry_later(cur, first.token, first.works[0], error="late", delay_s=60)
        assert _rows(database_url) == [("a", None, None, True)]
        with database.transaction() as conn, conn.cursor() as cur:
            release(cur, second.token)
            third = claim(cur, limit=10, lease_s=60)  # given back: due at once
            retry_later(cur, third.token, third.works[0], error="boom", delay_s=60)
            assert claim(cur, limit=10, lease_s=60).works == []  # not before the delay
        assert query(database_url, "SELECT attempts, last_error, claimed_by FROM work_queue") == [
            (1, "boom", None)
        ]
    finally:
        database.close()


def test_a_claim_skips_rows_an_ingester_is_writing(database_url: str) -> None:
    database = Database(database_url, max_connections=3)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [KIND.work(Name("a")), KIND.work(Name("b"))])
        with database.transaction() as ingester, ingester.cursor() as cur:
            enqueue(cur, [KIND.work(Name("a"), _at(0), _at(1))])  # uncommitted: `a` is locked
            with database.transaction() as worker, worker.cursor() as other:
                other.execute("SET LOCAL lock_timeout = '2s'")
                taken = claim(other, limit=10, lease_s=60)
        assert [w.key for w in taken.works] == ["b"]
    except psycopg2.errors.LockNotAvailable as err:  # pragma: no cover - the failure to show
        raise AssertionError("claiming waited for an ingester's transaction") from err
    finally:
        database.close()


def test_work_queued_during_a_claim_waits_the_settle_time(database_url: str) -> None:
    """A busy key is done about once per settle time; a key nobody added to never waits."""
    database = Database(database_url, max_connections=2)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [KIND.work(Name("busy"), _at(0), _at(1)), KIND.work(Name("calm"))])
        with database.transaction() as conn, conn.cursor() as cur:
            taken = claim(cur, limit=10, lease_s=60)
        assert [w.key for w in taken.works] == ["busy", "calm"]
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [KIND.work(Name("busy"), _at(1), _at(2))])  # readings came meanwhile
        with database.transaction() as conn, conn.cursor() as cur:
            for work in taken.works:
                done(cur, taken.token, work, settle_s=3600)
        with database.transaction() as conn, conn.cursor() as cur:
            assert claim(cur, limit=10, lease_s=60).works == []  # busy waits, calm is gone
        assert _rows(database_url) == [("busy", _at(1), _at(2), False)]
        with database.transaction() as conn, conn.cursor() as cur:
            enqueue(cur, [KIND.work(Name("busy"), _at(2), _at(3))])  # merged, still waiting
            cur.execute("SELECT not_before > now() + interval '59 minutes' FROM work_queue")
            assert cur.fetchone() == (True,)
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute("UPDATE work_queue SET not_before = now()")  # the hour has passed
        with database.transaction() as conn, conn.cursor() as cur:
            again = claim(cur, limit=10, lease_s=60)
        assert [(w.key, w.from_time, w.to_time) for w in again.works] == [
            ("busy", _at(1), _at(3))
        ]
    finally:
        database.close()
