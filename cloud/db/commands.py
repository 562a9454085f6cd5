"""`txng db …` subcommands."""

import logging
from collections.abc import Mapping

from cloud.db.errors import DatabaseError, DatabaseUnavailable
from cloud.db.migrate import migrate
from cloud.db.pool import Database
from cloud.db.roles import apply_roles
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


def roles_command(*, database_url: str, prefix: str, passwords: Mapping[str, str]) -> int:
    """Create or update the services' roles ({prefix}_ingest, _api, _forward) and privileges.

    A role's password is set when `passwords` has one for its service.
    """
    configure_logging(log_level())
    database = Database(database_url, max_connections=1, application_name="txng-db-roles")
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            names = apply_roles(cur, prefix=prefix, passwords=passwords)
    except DatabaseError as err:
        log.error("roles not set: %s", err)
        return 1
    finally:
        database.close()
    log.info("roles set", extra={"roles": names, "passwords_set": sorted(passwords)})
    return 0
