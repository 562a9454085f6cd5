"""Packing in presence: cases onto pallets, and stays at the line that end when the units leave.

Scans are stored as the ingester stores them and derived by the real derive worker, in time
order and in reverse (derived work must not depend on the order scans arrive in).
"""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from cloud.batches.packing import leave_with_units, units_packed_into
from cloud.db.pool import Database
from cloud.db.rows.presence import Departure, EventFact, Interval, ReaderScan
from cloud.derive.worker import DeriveWorker
from contract import BizStep
from tests.cloud.api.seed import ingest
from tests.support.factory import START, message, scan_of
from tests.support.sql import query

GTIN, LOT = "08935000000011", "L1"
CASES = ("189350000000000011", "189350000000000028", "189350000000000035", "189350000000000042")
PALLETS = ("389350000000000017", "389350000000000024")
S = timedelta(seconds=1)
M = timedelta(minutes=1)


def _line(seq: int, at: datetime, **code: str):
    return scan_of(seq, at=at, location="line-1", biz_step="packing", **code)


def _bags(seq: int, at: datetime, count: int) -> list:
    return [_line(seq + i, at + i * 5 * S, gtin=GTIN, lot=LOT) for i in range(count)]


def _store_and_derive(database: Database, scans: list, *, site: str = "hy-longan") -> None:
    ingest(database, [message([s], site=site, device="pi-line") for s in scans], datetime.now(UTC))
    worker = DeriveWorker(database, batch_size=20)
    while worker.run_once():
        pass
    assert worker.failed == 0


def _own(url: str, *, sscc: str | None = None) -> list[tuple]:
    """The batch's (or a unit's) own stays: (location, start, end) from START."""
    where = "p.sscc = %s" if sscc else "p.batch_id = (SELECT id FROM batches WHERE lot = %s)"
    return [
        (loc, start - START, end - START if end else None)
        for loc, start, end in query(
            url,
            f"SELECT location, start_time, end_time FROM presence p WHERE {where} "
            "ORDER BY start_time",
            (sscc or LOT,),
        )
    ]


def _everywhere(url: str) -> list[tuple]:
    """Every stay of the batch (own and through its units): (location, start, end, via)."""
    return [
        (loc, start - START, end - START if end else None, via)
        for loc, start, end, via in query(
            url,
            "SELECT location, start_time, end_time, via_sscc FROM batch_presence "
            "WHERE batch_id = (SELECT id FROM batches WHERE lot = %s) "
            "ORDER BY start_time, via_sscc NULLS FIRST",
            (LOT,),
        )
    ]


@pytest.fixture
def database(database_url):
    db = Database(database_url, max_connections=2)
    yield db
    db.close()


def _nested_scans() -> list:
    """Two cases of 3 bags onto a pallet (no label content), stored, shipped, received."""
    t = START
    return [
        *_bags(1, t, 3),
        _line(4, t + 20 * S, sscc=CASES[0]),
        *_bags(5, t + 30 * S, 3),
        _line(8, t + 50 * S, sscc=CASES[1]),
        _line(9, t + 60 * S, sscc=PALLETS[0]),
        scan_of(10, at=t + 20 * M, location="cold-1", biz_step="storing", sscc=PALLETS[0]),
        scan_of(11, at=t + 48 * 60 * M, location="dock", biz_step="shipping", sscc=PALLETS[0]),
    ]


@pytest.mark.parametrize("order", ["in time order", "newest first"])
def test_cases_on_a_pallet_leave_the_line_with_it(database, database_url, order):
    scans = _nested_scans()
    _store_and_derive(database, scans if order == "in time order" else scans[::-1])
    parents = query(database_url, "SELECT sscc, parent, packed_at FROM unit_parents ORDER BY 1")
    assert parents == [(c, PALLETS[0], scans[8].device_time) for c in CASES[:2]]
    left = 20 * M  # the pallet's storing scan in the cold room
    assert _own(database_url, sscc=CASES[0]) == [("line-1", 20 * S, left)]
    assert _own(database_url, sscc=CASES[1]) == [("line-1", 50 * S, left)]
    assert _own(database_url) == [("line-1", timedelta(0), left)]
    # Through the cases onto the pallet: the cold room from when the pallet came, until shipped.
    assert _everywhere(database_url) == [
        ("line-1", timedelta(0), left, None),
        ("line-1", 20 * S, left, CASES[0]),
        ("line-1", 50 * S, left, CASES[1]),
        ("line-1", 60 * S, left, PALLETS[0]),
        ("cold-1", left, 48 * 60 * M, PALLETS[0]),
    ]


@pytest.mark.parametrize("order", ["in time order", "newest first"])
def test_a_pallet_stored_while_the_line_still_packs_the_batch(database, database_url, order):
    t = START
    scans = [
        *_bags(1, t, 3),
        _line(4, t + 20 * S, sscc=CASES[0]),
        *_bags(5, t + 30 * S, 3),
        _line(8, t + 50 * S, sscc=CASES[1]),
        _line(9, t + 60 * S, sscc=PALLETS[0]),
        # The first pallet goes into the cold room as the line scans the next bag.
        scan_of(10, at=t + 70 * S, location="cold-1", biz_step="storing", sscc=PALLETS[0]),
        *_bags(11, t + 70 * S, 3),
        _line(14, t + 90 * S, sscc=CASES[2]),
        *_bags(15, t + 95 * S, 3),
        _line(18, t + 120 * S, sscc=CASES[3]),
        _line(19, t + 125 * S, sscc=PALLETS[1]),
        scan_of(20, at=t + 130 * S, location="cold-1", biz_step="storing", sscc=PALLETS[1]),
    ]
    _store_and_derive(database, scans if order == "in time order" else scans[::-1])
    # One stay at the line, until the last pallet left: no flip-flop between the two places.
    assert _own(database_url) == [("line-1", timedelta(0), 130 * S)]
    everywhere = _everywhere(database_url)
    assert [r for r in everywhere if r[3] in PALLETS] == [
        ("line-1", 60 * S, 70 * S, PALLETS[0]),
        ("cold-1", 70 * S, None, PALLETS[0]),
        ("line-1", 125 * S, 130 * S, PALLETS[1]),
        ("cold-1", 130 * S, None, PALLETS[1]),
    ]

    # Between the two storing scans the batch is at both places; after them, in the cold room.
    def places(at: timedelta) -> set[str]:
        return {r[0] for r in everywhere if r[1] <= at and (r[2] is None or at < r[2])}

    assert places(100 * S) == {"line-1", "cold-1"} and places(131 * S) == {"cold-1"}
    parents = query(database_url, "SELECT sscc, parent FROM unit_parents ORDER BY 1")
    assert parents == [(c, PALLETS[0]) for c in CASES[:2]] + [(c, PALLETS[1]) for c in CASES[2:]]


def _fact(at: datetime, location: str = "line-1") -> EventFact:
    return EventFact(at, 0, uuid4(), "a", location, BizStep.PACKING)


def test_a_stay_ends_when_its_last_unit_left_unless_goods_stayed():
    t = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
    stay = Interval("a", "line-1", t, uuid4())
    gone, later = uuid4(), uuid4()
    units = [
        Departure(t + M, "a", "line-1", t + 10 * M, gone),
        Departure(t + 2 * M, "a", "line-1", t + 30 * M, later),
    ]
    facts = [_fact(t), _fact(t + 2 * M)]
    assert leave_with_units([stay], facts, units) == [
        Interval("a", "line-1", t, stay.open_event, t + 30 * M, later)
    ]
    # A unit still there: the stay goes on.
    waiting = [*units, Departure(t + 3 * M, "a", "line-1", None, None)]
    assert leave_with_units([stay], facts, waiting) == [stay]
    # Goods of the batch scanned there after the units left: some of it stayed.
    assert leave_with_units([stay], [*facts, _fact(t + 40 * M)], units) == [stay]
    # A unit packed elsewhere, or before the stay began, ends nothing.
    elsewhere = [Departure(t + M, "a", "cold-1", t + 5 * M, gone)]
    before = [Departure(t - M, "a", "line-1", t + 5 * M, gone)]
    assert leave_with_units([stay], facts, elsewhere + before) == [stay]
    # A stay that ended before the units left keeps its end.
    short = Interval("a", "line-1", t, stay.open_event, t + 5 * M, uuid4())
    assert leave_with_units([short], facts, units[:1]) == [short]


def _scan(seq: int, sscc: str | None = None) -> ReaderScan:
    return ReaderScan(seq, START + seq * S, sscc, uuid4())


def test_a_unit_scanned_right_after_a_unit_holds_the_units_since_the_last_such():
    goods, c1, c2, c3, p0 = None, CASES[0], CASES[1], CASES[2], PALLETS[0]
    # Oldest first: ..., c3, pallet p0 (the last pallet), goods, c1, goods, c2; then the pallet.
    stream = [_scan(1, c3), _scan(2, p0), _scan(3, goods), _scan(4, c1), _scan(5), _scan(6, c2)]
    children, complete = units_packed_into(stream[::-1], PALLETS[1])
    assert [c.sscc for c in children] == [c2, c1] and complete
    # Goods right before the scan: it is a case (holds goods), not a pallet.
    assert units_packed_into([_scan(7), *stream[::-1]], PALLETS[1]) == ([], True)
    # The walk back ran out before the previous pallet: more scans may hold more of its units.
    assert units_packed_into(stream[3:][::-1], PALLETS[1])[1] is False
