"""`txng notify import FILE.yaml`: each listed site's escalation policy and recipients."""

import logging
from pathlib import Path

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.db.recipients_store import replace_site
from cloud.notify.recipients_file import RecipientsFileError, read_recipients_file
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def import_recipients(database: Database, path: Path) -> dict[str, tuple[int, int]]:
    """Validate the whole file, then replace each listed site's plan in one transaction."""
    document = read_recipients_file(path)
    done = {}
    with database.transaction() as conn, conn.cursor() as cur:
        for site, entry in sorted(document.sites.items()):
            rows = [person.row() for person in entry.recipients]
            done[site] = replace_site(cur, site, entry.policy(), rows)
    return done


def notify_import_command(path: str, *, database_url_option: str | None = None) -> int:
    """Import a recipients file; exit 1 (naming site, recipient and field) if it is bad."""
    configure_logging(log_level(), json_lines=False)
    database = Database(required_database_url(database_url_option), max_connections=1)
    try:
        done = import_recipients(database, Path(path))
    except RecipientsFileError as err:
        for line in str(err).splitlines():
            log.error("%s", line)
        return 1
    except (DatabaseUnavailable, DataRejected) as err:
        log.error("%s: not imported: %s", path, err)
        return 1
    finally:
        database.close()
    for site, (written, deactivated) in done.items():
        log.info("%s: %d recipients, %d no longer listed (deactivated)", site, written, deactivated)
    return 0
