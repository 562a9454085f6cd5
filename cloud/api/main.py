"""The FastAPI application: settings, database pool, error handlers and routers."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cloud.api.errors import install_error_handlers
from cloud.api.routers import health
from cloud.api.settings import ApiSettings
from cloud.db.pool import Database
from txng import __version__


def create_app(settings: ApiSettings) -> FastAPI:
    """Build the application for `settings` (one database pool per application)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.database.close()

    app = FastAPI(title="txng", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.database = Database(
        settings.database_url,
        max_connections=settings.api_database_connections,
        application_name="txng-api",
    )
    install_error_handlers(app)
    app.include_router(health.router)
    return app
