"""`txng KIND import FILE.csv` for each master-data kind, and `txng items commission`."""

import logging
from pathlib import Path

from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.masterdata.csv_import import CsvImportError
from cloud.masterdata.service import NotCsvText, import_file
from cloud.settings.common import required_database_url
from plumbing.logs import configure_logging
from plumbing.settings import log_level

log = logging.getLogger(__name__)


def import_command(kind: str, path: str, *, database_url_option: str | None = None) -> int:
    """Import one CSV file of `kind`; exit 1 (naming file, line and field) if it is bad."""
    configure_logging(log_level(), json_lines=False)
    database = Database(required_database_url(database_url_option), max_connections=1)
    try:
        count = import_file(database, kind, Path(path))
    except CsvImportError as err:
        for problem in err.problems:
            log.error("%s", problem)
        return 1
    except NotCsvText as err:
        log.error("%s: not imported: %s", path, err)
        return 1
    except (DatabaseUnavailable, DataRejected) as err:
        log.error("%s: not imported: %s", path, err)
        return 1
    finally:
        database.close()
    log.info("%s: %d %s imported", path, count, kind)
    return 0
