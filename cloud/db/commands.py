"""`txng db …` subcommands."""

import logging

from cloud.db.errors import DatabaseUnavailable
from cloud.db.migrate import migrate
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def migrate_command(*, database_url: str | None) -> int:
    """Apply pending migrations to TXNG_DATABASE_URL (or the given URL)."""
    configure_logging(log_level())
    url = required_database_url(database_url)
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
