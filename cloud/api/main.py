"""The FastAPI application: settings, database pool, error handlers and routers."""

import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from cloud.api.access import install_login_redirect
from cloud.api.body_limits import BoundedBodies, body_limits
from cloud.api.browser import BrowserGuard
from cloud.api.errors import install_error_handlers
from cloud.api.routers import (
    alerts,
    batches,
    dead_letters,
    devices,
    epcis,
    exports,
    health,
    imports,
    inspection,
    labels,
    locations,
    me,
    products,
    public,
    public_checks,
    public_serial,
    quarantine,
    recall,
    reports,
    signals,
    story,
    ui,
    ui_session,
    ui_story,
    units,
)
from cloud.api.ttl_cache import TtlCache
from cloud.api.ui_support import mount_static
from cloud.db.async_reads import AsyncReads
from cloud.db.pool import Database
from cloud.settings.api import ApiSettings, load_api_settings
from plumbing.version import VERSION as __version__

# Starlette tries the routes in order: the busiest first (a QR campaign's consumer pages, then
# the batch routes); the public routes' paths (/01/…, /api/public/…) overlap no other router's.
ROUTERS = [
    public_checks.router,
    public.router,
    public_serial.router,
    batches.router,
    health.router,
    me.router,
    products.router,
    reports.router,
    story.router,
    units.router,
    recall.router,
    locations.router,
    alerts.router,
    devices.router,
    dead_letters.router,
    quarantine.router,
    imports.router,
    inspection.router,
    signals.router,
    labels.router,
    ui_session.router,
    ui.router,
    ui_story.router,
    epcis.router,
    exports.router,
]


def create_app(settings: ApiSettings) -> FastAPI:
    """Build the application for `settings` (one database pool per application)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.database.close()
        app.state.reads.close()

    # No /docs or /redoc: FastAPI's pages run scripts from a CDN (and inline), which the
    # Content-Security-Policy forbids; /openapi.json opens in any OpenAPI viewer.
    app = FastAPI(
        title="txng",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.settings = settings
    # A request holds at most two connections (its cursor and a service's own transaction).
    app.state.slot_count = settings.api_database_connections
    app.state.slots = weakref.WeakKeyDictionary()  # one semaphore per event loop
    app.state.database = Database(
        settings.database_url,
        max_connections=2 * settings.api_database_connections,
        application_name="txng-api",
        keep_connections=True,
    )
    # The consumer page's one statement, awaited in the event loop (cloud/db/async_reads.py).
    app.state.reads = AsyncReads(
        settings.database_url,
        max_connections=settings.api_database_connections,
        application_name="txng-api",
    )
    # Consumer pages' public data per (GTIN, lot), reused for a few seconds (pages say
    # Cache-Control: max-age=60 anyway); nothing behind a login is cached.
    app.state.public_cache = TtlCache[tuple[str, str], Any](settings.api_public_cache_s)
    install_error_handlers(app)
    install_login_redirect(app)
    app.add_middleware(BrowserGuard, public_base_url=settings.api_public_base_url)
    for router in ROUTERS:
        app.include_router(router)
    mount_static(app)
    # Outermost: a body is read (bounded in size and time) before anything else runs.
    app.add_middleware(BoundedBodies, limits=body_limits(settings))
    return app


def app_from_environment() -> FastAPI:
    """The application configured from TXNG_* (uvicorn's factory, for several workers)."""
    return create_app(load_api_settings())
