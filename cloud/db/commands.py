"""`txng db …` subcommands."""

import logging
import os

from cloud.db.errors import DatabaseUnavailable
from cloud.db.migrate import migrate
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError

log = logging.getLogger(__name__)


def migrate_command(*, database_url: str | None) -> int:
    """Apply pending migrations to TXNG_DATABASE_URL (or the given URL)."""
    configure_logging(os.environ.get("TXNG_LOG_LEVEL", "INFO"))
    url = database_url or os.environ.get("TXNG_DATABASE_URL")
    if not url:
        raise ConfigError("TXNG_DATABASE_URL: not set (or pass --database-url)")
    try:
        report = migrate(url)
    except DatabaseUnavailable as err:
        log.error("migration failed: %s", err)
        return 1
    log.info(
        "migrations done",
        extra={"applied": report.applied, "already": report.already, "timescale": report.timescale},
    )
    return 0
