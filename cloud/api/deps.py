"""Dependencies routes declare as `Annotated` aliases (database, settings, cursor)."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from psycopg2.extensions import cursor as Cursor

from cloud.db.pool import Database
from cloud.settings.api import ApiSettings


async def get_database(request: Request) -> Database:
    """The process's database pool."""
    database: Database = request.app.state.database
    return database


async def get_settings(request: Request) -> ApiSettings:
    """The process's settings."""
    settings: ApiSettings = request.app.state.settings
    return settings


async def connection_slot(request: Request) -> AsyncIterator[None]:
    """Wait (in the event loop, never in a worker thread) for one of the pool's connections.

    Requests queue here instead of failing when more run at once than the pool has
    connections; waiting in a thread instead could take every worker thread and deadlock.
    """
    slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = request.app.state.slots
    loop = asyncio.get_running_loop()
    semaphore = slots.get(loop)
    if semaphore is None:
        semaphore = slots.setdefault(loop, asyncio.Semaphore(request.app.state.slot_count))
    async with semaphore:
        yield


def get_cursor(
    database: Annotated[Database, Depends(get_database)],
    _slot: Annotated[None, Depends(connection_slot)],
) -> Iterator[Cursor]:
    """A cursor in a transaction that commits when the route returns without error."""
    with database.transaction() as conn, conn.cursor() as cur:
        yield cur


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
# scope="function": the transaction commits before the response is sent, so a client that got
# the answer to a write sees that write in its next request (the default, "request", commits
# after the response has gone out).
CursorDep = Annotated[Cursor, Depends(get_cursor, scope="function")]
SlotDep = Annotated[None, Depends(connection_slot)]  # for routes that open transactions late

# The same wait, as `async with hold_slot(request):` in a route that opens its own transaction.
hold_slot = asynccontextmanager(connection_slot)
