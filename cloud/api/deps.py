"""Dependencies routes declare as `Annotated` aliases (database, settings, cursor)."""

import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from psycopg2.extensions import cursor as Cursor

from cloud.api.settings import ApiSettings
from cloud.db.pool import Database


def get_database(request: Request) -> Database:
    """The process's database pool."""
    database: Database = request.app.state.database
    return database


def get_settings(request: Request) -> ApiSettings:
    """The process's settings."""
    settings: ApiSettings = request.app.state.settings
    return settings


def get_cursor(
    request: Request, database: Annotated[Database, Depends(get_database)]
) -> Iterator[Cursor]:
    """A cursor in a transaction that commits when the route returns without error.

    Requests wait for a free connection (a semaphore as large as the pool) instead of failing
    when more requests run at once than the pool has connections.
    """
    slots: threading.BoundedSemaphore = request.app.state.connection_slots
    with slots, database.transaction() as conn, conn.cursor() as cur:
        yield cur


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
CursorDep = Annotated[Cursor, Depends(get_cursor)]
