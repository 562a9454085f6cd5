"""A batch's steps follow its events, a late one and its units' included."""

from datetime import UTC, datetime, timedelta

from cloud.db.pool import Database
from cloud.derive.worker import DeriveWorker
from tests.cloud.api.seed import ingest
from tests.support.factory import START, message, scan_of
from tests.support.sql import query

GTIN, SSCC = "08935000000011", "389350000000000019"
H = timedelta(hours=1)


def _steps(url: str) -> list[tuple]:
    return query(
        url,
        "SELECT s.biz_step, s.location, s.scans, s.units, s.first_time - %s, s.readers "
        "FROM batch_steps s JOIN batches b ON b.id = s.batch_id WHERE b.lot = 'L1' "
        "ORDER BY s.first_time",
        (START,),
    )


def _store_and_derive(database: Database, scans: list) -> None:
    ingest(database, [message([s]) for s in scans], datetime.now(UTC))
    worker = DeriveWorker(database, batch_size=20)
    while worker.run_once():
        pass
    assert worker.failed == 0


def test_steps_follow_late_scans_and_the_units_that_carry_the_batch(database_url):
    database = Database(database_url, max_connections=2)
    try:
        line = dict(location="line-1", biz_step="packing")
        _store_and_derive(
            database,
            [
                scan_of(1, at=START, **line, gtin=GTIN, lot="L1"),
                scan_of(2, at=START + H, **line, gtin=GTIN, lot="L1"),
                scan_of(3, at=START + H + timedelta(seconds=5), **line, sscc=SSCC),
            ],
        )
        assert _steps(database_url) == [
            ("packing", "line-1", 3, 1, timedelta(0), ["pi-cold-01/scanner-1"]),
        ]
        # The pallet is shipped; then a scan from before everything arrives late.
        _store_and_derive(
            database,
            [
                scan_of(4, at=START + 3 * H, location="dock", biz_step="shipping", sscc=SSCC),
                scan_of(
                    5,
                    at=START - H,
                    location="dock",
                    biz_step="receiving",
                    gtin=GTIN,
                    lot="L1",
                    reader="gate",
                ),
            ],
        )
        assert _steps(database_url) == [
            ("receiving", "dock", 1, 0, -H, ["pi-cold-01/gate"]),
            ("packing", "line-1", 3, 1, timedelta(0), ["pi-cold-01/scanner-1"]),
            ("shipping", "dock", 1, 1, 3 * H, ["pi-cold-01/scanner-1"]),
        ]
    finally:
        database.close()
