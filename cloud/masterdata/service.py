"""Import a master-data CSV file: the use case the API and `txng KIND import` share.

The whole file is parsed and validated first (CsvImportError lists every bad row by line and
field); an operator's file may only hold its own site's batches (ForeignRows); then every row
is upserted in the caller's transaction.
"""

import csv
import tempfile
from pathlib import Path

from psycopg2.extensions import cursor as Cursor

from cloud.db.pool import Database
from cloud.masterdata.csv_import import read_rows
from cloud.masterdata.importers import IMPORTERS
from cloud.masterdata.site_scope import check_rows


class NotCsvText(ValueError):
    """Bytes that are no UTF-8 CSV text (a NUL byte, bad UTF-8, broken quoting)."""


def import_rows(cur: Cursor, kind: str, path: Path, *, site: str | None = None) -> int:
    """Validate the file of `kind`, check that `site` (an operator's) may write it, upsert it."""
    importer = IMPORTERS[kind]
    try:
        parsed = read_rows(path, importer.model)
    except (UnicodeDecodeError, csv.Error) as err:
        raise NotCsvText(f"not a UTF-8 CSV file: {err}") from err
    if site is not None:
        check_rows(cur, parsed, site)
    return importer.apply(cur, parsed)


def import_upload(cur: Cursor, kind: str, body: bytes, *, site: str | None = None) -> int:
    """The same for a file's bytes (an upload); NotCsvText when they are not CSV text."""
    if b"\x00" in body:
        raise NotCsvText("the file contains a NUL byte: not a CSV text file")
    with tempfile.TemporaryDirectory(prefix="txng-import-") as folder:
        path = Path(folder) / f"{kind}.csv"
        path.write_bytes(body)
        return import_rows(cur, kind, path, site=site)


def import_file(database: Database, kind: str, path: Path) -> int:
    """Import one file of `kind` in a transaction of its own; return the rows written."""
    with database.transaction() as conn, conn.cursor() as cur:
        return import_rows(cur, kind, path)
