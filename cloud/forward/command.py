"""`txng cloud forward`: drain one destination's outbox until SIGTERM/SIGINT."""

import logging
import os

from cloud.db.errors import DatabaseUnavailable
from cloud.db.forward_store import register_destination
from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.forward.registry import ADAPTERS
from cloud.forward.settings import load_forward_settings
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError
from plumbing.signals import stop_on_signals

log = logging.getLogger(__name__)


def forward_command() -> int:
    """Run the forwarder for TXNG_FORWARD_DESTINATION with TXNG_FORWARD_ADAPTER."""
    settings = load_forward_settings()
    configure_logging(settings.log_level)
    factory = ADAPTERS.get(settings.forward_adapter)
    if factory is None:
        known = ", ".join(sorted(ADAPTERS))
        raise ConfigError(f"TXNG_FORWARD_ADAPTER: {settings.forward_adapter!r} (known: {known})")
    database = Database(
        settings.database_url,
        max_connections=2 * settings.forward_senders + 2,
        application_name="txng-forward",
    )
    if settings.forward_register:
        try:
            with database.transaction() as conn, conn.cursor() as cur:
                register_destination(
                    cur, name=settings.forward_destination, adapter=settings.forward_adapter
                )
        except DatabaseUnavailable as err:
            log.error("forwarder: cannot register the destination: %s", err)
            return 1
    adapter = factory(database, settings)
    forwarder = Forwarder(
        database,
        adapter,
        backoff=Backoff(settings.forward_backoff_base_s, settings.forward_backoff_cap_s),
        senders=settings.forward_senders,
        idle_wait_s=settings.forward_idle_wait_s,
        kill_after=settings.forward_fault_kill_after,
    )
    stopping = stop_on_signals(log)
    forwarder.start()
    log.info(
        "forwarder running",
        extra={"destination": settings.forward_destination, "pid": os.getpid()},
    )
    stopping.wait()
    forwarder.stop()
    adapter.close()
    database.close()
    log.info("forwarder stopped", extra={"counts": forwarder.counts})
    return 0
