"""A small thread-safe psycopg2 connection pool that hands out healthy connections."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from psycopg2.extensions import connection as Connection
from psycopg2.pool import ThreadedConnectionPool

from cloud.db.errors import DatabaseUnavailable, DataRejected

# psycopg2 errors that mean "the connection or server is gone": retry on a new connection.
TRANSIENT_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError)


class Database:
    """Connections to one PostgreSQL database; broken connections are discarded, not reused."""

    def __init__(self, url: str, *, max_connections: int = 4, application_name: str = "txng"):
        self.url = url
        self._max = max_connections
        self._application_name = application_name
        self._pool: ThreadedConnectionPool | None = None
        self._lock = threading.Lock()

    def _get_pool(self) -> ThreadedConnectionPool:
        with self._lock:
            if self._pool is None:
                try:
                    self._pool = ThreadedConnectionPool(
                        0,
                        self._max,
                        self.url,
                        application_name=self._application_name,
                        connect_timeout=5,
                    )
                except TRANSIENT_ERRORS as err:
                    raise DatabaseUnavailable(str(err).strip()) from err
            return self._pool

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on error.

        psycopg2 errors are translated: connection loss → DatabaseUnavailable, anything the
        server refused about the data → DataRejected.
        """
        pool = self._get_pool()
        try:
            conn = pool.getconn()
        except (*TRANSIENT_ERRORS, psycopg2.pool.PoolError) as err:
            raise DatabaseUnavailable(str(err).strip()) from err
        broken = False
        try:
            with conn:
                yield conn
        except TRANSIENT_ERRORS as err:
            broken = True
            raise DatabaseUnavailable(str(err).strip()) from err
        except psycopg2.Error as err:
            broken = bool(conn.closed)
            raise DataRejected(str(err).strip()) from err
        finally:
            pool.putconn(conn, close=broken or bool(conn.closed))

    def close(self) -> None:
        """Close every pooled connection."""
        with self._lock:
            if self._pool is not None:
                self._pool.closeall()
                self._pool = None
