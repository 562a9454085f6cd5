"""Shared pieces of traceability tests: master data from CSV text, waiting for derived work."""

from pathlib import Path

from cloud.db.pool import Database
from cloud.derive.registry import KINDS
from cloud.masterdata.service import import_file
from tests.support.sql import query


def import_csv(url: str, tmp_path: Path, kind: str, text: str) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    database = Database(url, max_connections=1)
    try:
        import_file(database, kind, path)
    finally:
        database.close()


def idle(url: str) -> bool:
    """No derived work waits that this process has a handler for."""
    rows = query(url, "SELECT count(*) FROM work_queue WHERE kind = ANY(%s)", (sorted(KINDS),))
    return rows[0][0] == 0


def alerts(url: str, kind: str) -> list[tuple]:
    return query(
        url,
        "SELECT alert_key, site_id, location, batch_ids, details FROM alerts WHERE kind = %s "
        "ORDER BY alert_key",
        (kind,),
    )
