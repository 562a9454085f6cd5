"""`txng db …` subcommands."""

import logging

from cloud.db.errors import DatabaseUnavailable
from cloud.db.migrate import migrate
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def migrate_command(*, database_url: str) -> int:
    """Apply pending migrations to the database at `database_url`."""
    configure_logging(log_level())
    try:
        report = migrate(database_url)
    except DatabaseUnavailable as err:
        log.error("migration failed: %s", err)
        return 1
    log.info(
        "migrations done",
        extra={"applied": report.applied, "already": report.already, "timescale": report.timescale},
    )
    return 0
