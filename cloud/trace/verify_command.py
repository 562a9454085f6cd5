"""`txng verify [--site S]`: recompute each site's event hash chain; exit 1 on tampering."""

import logging
import os

from cloud.db.errors import DatabaseUnavailable
from cloud.db.pool import Database
from cloud.masterdata.command import database_url
from cloud.trace.chain import verify
from plumbing.logs import configure_logging

log = logging.getLogger(__name__)


def verify_command(*, site: str | None, database_url_option: str | None = None) -> int:
    """Verify and report per site; 0 when every chain checks out, 1 when one is broken."""
    configure_logging(os.environ.get("TXNG_LOG_LEVEL", "INFO"), json_lines=False)
    database = Database(database_url(database_url_option), max_connections=1)
    try:
        reports = verify(database, site)
    except DatabaseUnavailable as err:
        log.error("cannot verify: %s", err)
        return 2
    finally:
        database.close()
    for report in reports:
        if report.broken is None:
            log.info(
                "site %s: %d links verified, %d events not chained yet",
                report.site,
                report.links,
                report.unchained,
            )
        else:
            log.error(
                "site %s: TAMPERED at link %d (event %s): %s",
                report.site,
                report.broken.position,
                report.broken.event_id,
                report.broken.reason,
            )
    return 0 if all(r.ok for r in reports) else 1
