"""One-statement reads awaited in the event loop: psycopg2's asynchronous connections, kept.

For a hot read of one prepared statement (the consumer page's): the event loop sends it and
waits for the socket instead of handing the call to a worker thread and back, which cost the
API about as much CPU as the database call itself. Connections are in autocommit (psycopg2's
asynchronous mode has no other), with the pool's session settings; each request waits in
the event loop for one of `max_connections`. A connection that failed, or whose read was
cancelled half-way, is closed instead of kept. Errors are translated as the pool's are.
"""

import asyncio
import weakref
from collections.abc import Mapping
from typing import Any

import msgspec
import psycopg2
import psycopg2.extras
from psycopg2.extensions import POLL_OK, POLL_READ, POLL_WRITE
from psycopg2.extensions import connection as Connection

from cloud.db import prepared
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import SESSION_OPTIONS, TRANSIENT_ERRORS
from plumbing.redact import redact

Row = tuple[list[str], tuple[Any, ...]]  # column names (shared: not to be changed), values


async def _ready(conn: Connection) -> None:
    """Wait until `conn` has finished what it was doing (connecting, a statement)."""
    loop = asyncio.get_running_loop()
    fd = conn.fileno()
    while (state := conn.poll()) != POLL_OK:
        done = loop.create_future()

        def wake(done: asyncio.Future[None] = done) -> None:
            if not done.done():
                done.set_result(None)

        if state == POLL_READ:
            loop.add_reader(fd, wake)
            try:
                await done
            finally:
                loop.remove_reader(fd)
        elif state == POLL_WRITE:
            loop.add_writer(fd, wake)
            try:
                await done
            finally:
                loop.remove_writer(fd)
        else:
            raise psycopg2.OperationalError(f"unexpected poll state {state}")


class AsyncReads:
    """Asynchronous connections to one database, opened on demand and kept for reuse."""

    def __init__(self, url: str, *, max_connections: int, application_name: str = "txng"):
        self.url = url
        self._max = max_connections
        self._application_name = application_name
        self._idle: list[Connection] = []
        # Each connection's prepared statements' column names (fixed once prepared there).
        self._names: weakref.WeakKeyDictionary[Connection, dict[str, list[str]]]
        self._names = weakref.WeakKeyDictionary()
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._slots = weakref.WeakKeyDictionary()
        self._closed = False

    def _slot(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slot = self._slots.get(loop)
        if slot is None:
            slot = self._slots.setdefault(loop, asyncio.Semaphore(self._max))
        return slot

    async def _connect(self) -> Connection:
        conn = psycopg2.connect(
            self.url,
            application_name=self._application_name,
            connect_timeout=5,
            options=SESSION_OPTIONS,
            async_=True,
        )
        try:
            await _ready(conn)
        except BaseException:
            conn.close()
            raise
        # JSON columns decoded by msgspec (the same values as the json module's, faster).
        psycopg2.extras.register_default_json(conn, loads=msgspec.json.decode)
        return conn

    async def fetch_one(self, stmt: prepared.Statement, params: Mapping[str, Any]) -> Row | None:
        """The first row of prepared `stmt` with `params` and its column names (None: no row)."""
        found = await self.fetch_all(stmt, params, limit=1)
        return (found[0], found[1][0]) if found[1] else None

    async def fetch_all(
        self, stmt: prepared.Statement, params: Mapping[str, Any], *, limit: int | None = None
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The rows (at most `limit`) of prepared `stmt` with `params`, and their column names."""
        if self._closed:
            raise DatabaseUnavailable("the database pool is closed")
        async with self._slot():
            conn: Connection | None = self._idle.pop() if self._idle else None
            keep = False
            try:
                if conn is None:
                    conn = await self._connect()
                rows = await self._fetch(conn, stmt, params, limit)
                keep = True
                return rows
            except TRANSIENT_ERRORS as err:
                raise DatabaseUnavailable(redact(str(err)).strip()) from err
            except psycopg2.Error as err:
                raise DataRejected(str(err).strip()) from err
            finally:
                if conn is not None:
                    if keep and not self._closed and not conn.closed:
                        self._idle.append(conn)
                    else:
                        conn.close()

    async def _fetch(
        self, conn: Connection, stmt: prepared.Statement, params: Mapping[str, Any],
        limit: int | None,
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        with conn.cursor() as cur:
            preparing = prepared.to_prepare(conn, stmt)
            if preparing is not None:
                cur.execute(preparing)
                await _ready(conn)
                prepared.prepared_on(conn, stmt)
            cur.execute(*prepared.to_execute(stmt, params))
            await _ready(conn)
            rows = cur.fetchall() if limit is None else cur.fetchmany(limit)
            if not rows:
                return [], rows
            known = self._names.setdefault(conn, {})
            names = known.get(stmt.name)
            if names is None:
                names = known[stmt.name] = [d[0] for d in cur.description or ()]
            return names, rows

    def close(self) -> None:
        """Close every idle connection (connections in use close when they come back)."""
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
