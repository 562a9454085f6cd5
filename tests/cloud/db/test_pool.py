"""The connection pool: reuse, limits, broken connections, error translation."""

import threading

import pytest
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from tests.support.postgres import terminate_connections


def _backend_pid(database: Database) -> int:
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return int(cur.fetchone()[0])


def test_connections_are_reused(database_url):
    database = Database(database_url, max_connections=2)
    assert _backend_pid(database) == _backend_pid(database)
    database.close()


def test_connections_plan_without_jit(database_url):
    """JIT compiling cost the silence sweep 1.2 s per 0.15 s query: pool connections turn it off."""
    database = Database(database_url, max_connections=1)
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SHOW jit")
        assert cur.fetchone()[0] == "off"
        cur.execute("SHOW plan_cache_mode")
        assert cur.fetchone()[0] == "force_generic_plan"
    database.close()


def test_a_killed_connection_is_replaced(database_url):
    database = Database(database_url, max_connections=1)
    first = _backend_pid(database)
    terminate_connections(database_url)
    with pytest.raises(DatabaseUnavailable):
        _backend_pid(database)
    assert _backend_pid(database) != first
    database.close()


def test_refused_data_keeps_the_connection(database_url):
    database = Database(database_url, max_connections=1)
    first = _backend_pid(database)
    with pytest.raises(DataRejected), database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1/0")
    assert _backend_pid(database) == first
    database.close()


def test_waits_for_a_free_connection_then_gives_up(database_url):
    database = Database(database_url, max_connections=1, wait_s=0.5)
    holding, release = threading.Event(), threading.Event()

    def hold():
        with database.transaction():
            holding.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    with pytest.raises(DatabaseUnavailable, match="no database connection free"):
        _backend_pid(database)
    release.set()
    thread.join()
    assert _backend_pid(database) > 0
    database.close()


def test_unreachable_server_is_unavailable():
    database = Database("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseUnavailable):
        _backend_pid(database)
    with pytest.raises(DatabaseUnavailable):  # the failed attempt did not use up the limit
        _backend_pid(database)


def test_statements_run_without_a_transaction_and_hand_the_connection_back(database_url):
    database = Database(database_url, max_connections=1)
    first = _backend_pid(database)
    with database.statements() as conn, conn.cursor() as cur:
        cur.execute("SELECT txid_current()")
        one = cur.fetchone()[0]
        cur.execute("SELECT txid_current()")
        assert cur.fetchone()[0] != one  # each statement its own transaction
        assert conn.info.transaction_status == TRANSACTION_STATUS_IDLE
    with pytest.raises(DataRejected), database.statements() as conn, conn.cursor() as cur:
        cur.execute("SELECT 1/0")
    # The same connection, back in transactions: two statements share one.
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_backend_pid(), txid_current()")
        pid, one = cur.fetchone()
        cur.execute("SELECT txid_current()")
        assert (pid, cur.fetchone()[0]) == (first, one)
    database.close()


def test_statements_left_inside_a_transaction_close_the_connection(database_url):
    database = Database(database_url, max_connections=1)
    first = _backend_pid(database)
    with database.statements() as conn, conn.cursor() as cur:
        cur.execute("BEGIN")
    assert _backend_pid(database) != first  # not handed out again half-way in a transaction
    database.close()


def test_a_snapshot_sees_one_moment_and_writes_nothing(database_url):
    """What another connection commits between two statements of a snapshot is not seen."""
    database = Database(database_url, max_connections=2)
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("CREATE TABLE snapshot_probe (n int)")
    with database.snapshot() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM snapshot_probe")
        assert cur.fetchone()[0] == 0
        with database.transaction() as other, other.cursor() as writer:
            writer.execute("INSERT INTO snapshot_probe VALUES (1)")  # e.g. derive's result
        cur.execute("SELECT count(*) FROM snapshot_probe")
        assert cur.fetchone()[0] == 0  # READ COMMITTED would see 1 here
    with (
        pytest.raises(DataRejected, match="read-only"),
        database.snapshot() as conn,
        conn.cursor() as cur,
    ):
        cur.execute("INSERT INTO snapshot_probe VALUES (2)")
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM snapshot_probe")
        assert cur.fetchone()[0] == 1
    database.close()
