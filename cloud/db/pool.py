"""A small thread-safe psycopg2 connection pool that hands out healthy connections."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from psycopg2.extensions import TRANSACTION_STATUS_IDLE
from psycopg2.extensions import connection as Connection

from cloud.db.errors import DatabaseUnavailable, DataRejected
from plumbing.redact import redact

# psycopg2 errors that mean "the connection or server is gone": retry on a new connection.
TRANSIENT_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)
# Prepared statements (cloud/db/prepared.py: ours only) keep one plan; dates
# as ISO text, which psycopg2 parses, and floats as their shortest exact text
# (PostgreSQL's default), which json_sql relies on to write as the API does. No
# JIT: txng's statements are short, and the planner's estimates over views
# (batch_presence) crossed jit_above_cost, so the silence sweep spent 1.2 s
# compiling 368 functions for 0.15 s of work, every 5 s.
SESSION_OPTIONS = (
    "-c plan_cache_mode=force_generic_plan -c DateStyle=ISO -c extra_float_digits=1 -c jit=off"
)


class Database:
    """Connections to one PostgreSQL database, opened on demand and kept for reuse.

    A connection that broke, or came back in any state but idle, is closed instead of kept;
    a kept connection that the server dropped meanwhile fails its next transaction with
    DatabaseUnavailable, and the caller's retry gets a fresh one.
    """

    def __init__(
        self,
        url: str,
        *,
        max_connections: int = 4,
        application_name: str = "txng",
        keep_connections: bool = True,
        wait_s: float = 30.0,
    ):
        """`keep_connections` False closes every connection after its transaction."""
        self.url = url
        self._max = max_connections
        self._keep = keep_connections
        self._wait_s = wait_s
        self._application_name = application_name
        self._idle: list[Connection] = []
        self._open = 0
        self._available = threading.Condition()
        self._closed = False

    def _acquire(self) -> Connection:
        with self._available:
            while not self._idle and self._open >= self._max:
                if not self._available.wait(self._wait_s):
                    raise DatabaseUnavailable(
                        f"no database connection free within {self._wait_s:.0f}s "
                        f"(all {self._max} in use)"
                    )
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return psycopg2.connect(
                self.url,
                application_name=self._application_name,
                connect_timeout=5,
                options=SESSION_OPTIONS,
            )
        except TRANSIENT_ERRORS as err:
            self._forget()
            raise DatabaseUnavailable(redact(str(err)).strip()) from err

    def _forget(self) -> None:
        with self._available:
            self._open -= 1
            self._available.notify()

    def _release(self, conn: Connection, *, broken: bool) -> None:
        reusable = (
            self._keep
            and not self._closed
            and not broken
            and not conn.closed
            and conn.info.transaction_status == TRANSACTION_STATUS_IDLE
        )
        if not reusable:
            try:
                conn.close()
            finally:
                self._forget()
            return
        with self._available:
            self._idle.append(conn)
            self._available.notify()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error.

        psycopg2 errors are translated: connection loss → DatabaseUnavailable, anything the
        server refused about the data → DataRejected.
        """
        with self._connection(autocommit=False) as conn, conn:
            yield conn

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction whose statements all see the database as of one moment.

        For checks that read derived data and the queue of work that derives it: under READ
        COMMITTED a worker can commit both between two statements, so the data read first is
        stale while the queue read second is already empty (REPEATABLE READ prevents that).
        """
        with self.transaction() as conn:
            with conn.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """A connection in autocommit: each statement is its own transaction.

        For read-only work whose statements need no snapshot in common (under READ
        COMMITTED each statement of a transaction takes a new one anyway): it saves the
        BEGIN and COMMIT round trips. Errors are translated as in transaction().
        """
        with self._connection(autocommit=True) as conn:
            yield conn

    @contextmanager
    def _connection(self, *, autocommit: bool) -> Iterator[Connection]:
        if self._closed:
            raise DatabaseUnavailable("the database pool is closed")
        conn = self._acquire()
        broken = False
        try:
            if conn.autocommit != autocommit:
                conn.autocommit = autocommit
            yield conn
        except TRANSIENT_ERRORS as err:
            broken = True
            raise DatabaseUnavailable(redact(str(err)).strip()) from err
        except psycopg2.Error as err:
            raise DataRejected(str(err).strip()) from err
        finally:
            if autocommit and not broken and not conn.closed:
                try:
                    conn.autocommit = False
                except psycopg2.Error:  # left inside a transaction (an explicit BEGIN)
                    broken = True
            self._release(conn, broken=broken)

    def close(self) -> None:
        """Close every idle connection (connections in use close when they come back)."""
        with self._available:
            self._closed = True
            idle, self._idle = self._idle, []
            self._open -= len(idle)
        for conn in idle:
            conn.close()
