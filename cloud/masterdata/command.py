"""`txng KIND import FILE.csv` for each master-data kind, and `txng items commission`."""

import logging
import os
from pathlib import Path

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.masterdata.csv_import import CsvImportError, read_rows
from cloud.masterdata.importers import IMPORTERS
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError

log = logging.getLogger(__name__)


def import_file(database: Database, kind: str, path: Path) -> int:
    """Validate the whole file, then upsert it in one transaction; return the rows written."""
    importer = IMPORTERS[kind]
    parsed = read_rows(path, importer.model)
    with database.transaction() as conn, conn.cursor() as cur:
        return importer.apply(cur, parsed)


def database_url(given: str | None) -> str:
    """The database URL from the option, else TXNG_DATABASE_URL."""
    url = given or os.environ.get("TXNG_DATABASE_URL")
    if not url:
        raise ConfigError("TXNG_DATABASE_URL: not set (or pass --database-url)")
    return url


def import_command(kind: str, path: str, *, database_url_option: str | None = None) -> int:
    """Import one CSV file of `kind`; exit 1 (naming file, line and field) if it is bad."""
    configure_logging(os.environ.get("TXNG_LOG_LEVEL", "INFO"), json_lines=False)
    database = Database(database_url(database_url_option), max_connections=1)
    try:
        count = import_file(database, kind, Path(path))
    except CsvImportError as err:
        for problem in err.problems:
            log.error("%s", problem)
        return 1
    except (DatabaseUnavailable, DataRejected) as err:
        log.error("%s: not imported: %s", path, err)
        return 1
    finally:
        database.close()
    log.info("%s: %d %s imported", path, count, kind)
    return 0
