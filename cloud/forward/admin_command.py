"""`txng forward parked|requeue`: list the items a destination holds back, send them again."""

import logging

from cloud.db.errors import DatabaseUnavailable
from cloud.db.forward_store import parked_items, requeue_parked
from cloud.db.pool import Database
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def parked_command(*, destination: str, database_url_option: str | None = None) -> int:
    """Print each parked item (kind, key, missing field, last error); 0, or 2 without a database."""
    configure_logging(log_level(), json_lines=False)
    database = Database(required_database_url(database_url_option), max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            items = parked_items(cur, destination=destination)
    except DatabaseUnavailable as err:
        log.error("cannot read the outbox: %s", err)
        return 2
    finally:
        database.close()
    for kind, key, missing, error in items:
        print(f"{kind}\t{key}\t{missing or '-'}\t{error or '-'}")
    log.info("%d items parked for %s", len(items), destination)
    return 0


def requeue_command(
    *, destination: str, missing_field: str | None, database_url_option: str | None = None
) -> int:
    """Put the destination's parked items (optionally only those lacking a field) back in line."""
    configure_logging(log_level(), json_lines=False)
    database = Database(required_database_url(database_url_option), max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            count = requeue_parked(cur, destination=destination, missing_field=missing_field)
    except DatabaseUnavailable as err:
        log.error("cannot requeue: %s", err)
        return 2
    finally:
        database.close()
    log.info("%d parked items of %s sent back to the queue", count, destination)
    return 0
