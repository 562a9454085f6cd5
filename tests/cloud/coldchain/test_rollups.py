"""Rollups (5 min to 1 day): kept by the cold-chain work as readings land (late ones too), exact."""

import json
import math
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

import psycopg2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2.extras import execute_values
from pydantic import BaseModel

from cloud.coldchain.handlers import COLD_CHAIN_LOCATION
from cloud.db.json_sql import iso_utc, point_json_sql
from cloud.db.mkt import mkt_from_terms
from cloud.db.pool import SESSION_OPTIONS, Database
from cloud.db.readings_query import Stay, merge_stays
from cloud.db.rollups_query import (
    LEVELS_S,
    Span,
    Totals,
    level_series,
    level_series_json,
    series_width,
    span_totals,
)
from cloud.db.rollups_store import LocationKey, rebuild_rollups, refresh_rollups
from cloud.db.work_queue import enqueue
from cloud.derive.worker import DeriveWorker
from cloud.trace.timeline_models import Point

SITE = "farm"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=3)  # after every reading of the property test
GRID_ORIGIN = datetime(2000, 1, 3, tzinfo=UTC)
Reading = tuple[str, datetime, float, str]  # location, time, value, quality


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url, max_connections=2)
    yield db
    db.close()


def store(database: Database, readings: Sequence[Reading], *, queue: bool = True) -> None:
    """Store readings and, as ingestion does, queue the cold-chain work of their locations."""
    if not readings:
        return
    with database.transaction() as conn, conn.cursor() as cur:
        execute_values(
            cur,
            "INSERT INTO readings (time, id, site_id, device_id, seq, clock, sensor, location, "
            "quantity, value, unit, quality, received_at) VALUES %s",
            [(at, str(uuid.uuid4()), loc, v, quality) for loc, at, v, quality in readings],
            template=f"(%s, %s, '{SITE}', 'pi', 0, 'synced', 'p', %s, 'temperature', %s, 'CEL', "
            "%s, now())",
        )
        if queue:
            work = []
            for loc in sorted({r[0] for r in readings}):
                times = [r[1] for r in readings if r[0] == loc]
                key = LocationKey(SITE, loc, "temperature")
                work.append(COLD_CHAIN_LOCATION.work(key, min(times), max(times)))
            enqueue(cur, work)


def derive(database: Database) -> None:
    """Run the queued cold-chain location work to the end."""
    worker = DeriveWorker(database, kinds=[COLD_CHAIN_LOCATION], batch_size=50)
    while worker.run_once():
        pass
    assert worker.failed == 0


def raw_totals(database: Database, span: Span) -> Totals:
    """The span's totals straight from the raw readings."""
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*), min(value), max(value), sum(value), "
            "sum(exp(-10000.0 / (value + 273.15))), min(time), max(time) "
            "FROM readings WHERE site_id = %s "
            "AND location = %s AND quantity = 'temperature' AND time >= %s "
            "AND (%s::timestamptz IS NULL OR time < %s) AND quality <> 'suspect'",
            (span.site_id, span.location, span.start, span.end, span.end),
        )
        row = cur.fetchone()
    assert row is not None
    return Totals(int(row[0]), *row[1:])


def rollup_rows(database: Database) -> list[tuple[object, ...]]:
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM reading_rollups ORDER BY 1, 2, 3, 4")
        return [tuple(r) for r in cur.fetchall()]


def coarse_rows(database: Database) -> list[tuple[object, ...]]:
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SELECT * FROM reading_rollups_coarse ORDER BY 1, 2, 3, 4, 5")
        return [tuple(r) for r in cur.fetchall()]


def assert_same_cells(
    got: list[tuple[object, ...]], want: list[tuple[object, ...]], keys: int = 4
) -> None:
    """Same keys, counts, first/last times and min/max; sums equal to rounding.

    A coarse cell's stored point (its last column) follows from the others: stored_points.
    """
    exact, sums = keys + 5, keys + 7
    assert [r[:exact] for r in got] == [r[:exact] for r in want]
    for a, b in zip(got, want, strict=True):
        assert a[exact:sums] == pytest.approx(b[exact:sums], rel=1e-12)


def stored_points(database: Database) -> list[tuple[str, str, str]]:
    """Each coarse cell's stored point, the point the timeline's query writes for that cell
    when it computes the bucket, and the cell as the timeline's model writes it."""
    computed = point_json_sql(
        "first_time", "last_time", "samples", "min_value", "max_value", "sum_value / samples"
    )
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            f"SELECT point, {computed}, first_time, last_time, samples, min_value, max_value, "
            "sum_value FROM reading_rollups_coarse "
            "ORDER BY site_id, location, quantity, width_s, bucket"
        )
        rows = cur.fetchall()
    return [
        (
            stored,
            written,
            Point(first_time=f, last_time=t, count=n, min=lo, max=hi, mean=s / n).model_dump_json(),
        )
        for stored, written, f, t, n, lo, hi, s in rows
    ]


def assert_points_written_as_the_api_writes_them(database: Database) -> None:
    """The same text as the query writes, the same JSON values as the model writes."""
    points = stored_points(database)
    assert points and [p[0] for p in points] == [p[1] for p in points]
    assert [json.loads(p[0]) for p in points] == [json.loads(p[2]) for p in points]


def totals_of(database: Database, spans: Sequence[Span]) -> list[Totals]:
    with database.transaction() as conn, conn.cursor() as cur:
        return span_totals(cur, spans, "temperature")


def assert_totals_equal(got: Totals, want: Totals) -> None:
    assert (got.count, got.min, got.max) == (want.count, want.min, want.max)
    assert (got.first, got.last) == (want.first, want.last)
    if want.count:
        assert got.sum == pytest.approx(want.sum, rel=1e-12, abs=1e-9)
        assert got.sum_arrhenius is not None and want.sum_arrhenius is not None
        mkt = mkt_from_terms(got.sum_arrhenius, got.count)
        assert mkt == pytest.approx(mkt_from_terms(want.sum_arrhenius, want.count), abs=1e-9)


def every_minute(location: str, start: datetime, minutes: int, value: float) -> list[Reading]:
    return [(location, start + timedelta(minutes=m), value, "good") for m in range(minutes)]


def test_a_late_reading_updates_its_cell_and_counts_while_its_work_waits(database):
    store(database, every_minute("room", T0, 60, 4.0))
    derive(database)
    cells = rollup_rows(database)
    assert len(cells) == 12 and {c[4] for c in cells} == {5}
    hour = Span(SITE, "room", T0, T0 + timedelta(hours=1))

    late = [("room", T0 + timedelta(minutes=22, seconds=30), 20.0, "good")]
    store(database, [*late, ("room", T0 + timedelta(minutes=41), 99.0, "suspect")])
    # Not derived yet: its cell's rollup is stale, so that cell is read raw.
    assert rollup_rows(database) == cells
    (waiting,) = totals_of(database, [hour])
    assert_totals_equal(waiting, raw_totals(database, hour))
    assert (waiting.count, waiting.max) == (61, 20.0)

    derive(database)
    cell = next(c for c in rollup_rows(database) if c[3] == T0 + timedelta(minutes=20))
    assert cell[4:9] == (6, T0 + timedelta(minutes=20), T0 + timedelta(minutes=24), 4.0, 20.0)
    (done,) = totals_of(database, [hour])
    assert done == waiting
    assert_points_written_as_the_api_writes_them(database)


def test_a_reading_a_day_late_makes_its_own_cell_and_refreshing_twice_changes_nothing(database):
    store(database, every_minute("room", T0, 30, 5.0))
    derive(database)
    store(database, [("room", T0 - timedelta(days=1, seconds=-7), 3.5, "good")])
    derive(database)
    cells = rollup_rows(database)
    late = T0 - timedelta(days=1, seconds=-7)
    assert cells[0][3:9] == (T0 - timedelta(days=1), 1, late, late, 3.5, 3.5)
    with database.transaction() as conn, conn.cursor() as cur:
        refresh_rollups(cur, SITE, "room", "temperature", T0 - timedelta(days=2), T0)
        refresh_rollups(cur, SITE, "room", "temperature", T0, T0 + timedelta(hours=1))
    assert rollup_rows(database) == cells
    with database.transaction() as conn, conn.cursor() as cur:
        assert rebuild_rollups(cur) == len(cells)
    assert_same_cells(rollup_rows(database), cells)


def test_times_are_written_as_the_api_writes_them(database):
    class At(BaseModel):
        at: datetime

    times = [
        datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
        datetime(2026, 3, 1, 8, 0, 0, 250000, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 59, 59, 1, tzinfo=UTC),
        datetime(1999, 6, 30, 0, 0, 7, tzinfo=UTC),
    ]
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute("SET LOCAL TimeZone = 'Asia/Ho_Chi_Minh'")  # the session's zone is ignored
        cur.execute(f"SELECT {iso_utc('t')} FROM unnest(%s::timestamptz[]) AS t", (times,))
        written = [row[0] for row in cur.fetchall()]
    assert written == [json.loads(At(at=t).model_dump_json())["at"] for t in times]


def test_a_bucket_that_is_one_whole_coarse_cell_is_sent_as_the_point_stored_with_it(database):
    readings = [("room", T0 + timedelta(minutes=m), (m % 17) / 4, "good") for m in range(3600)]
    # The last reading of its five-minute to one-hour cells, at a time with microseconds.
    readings.append(("room", T0 + timedelta(hours=30, minutes=59, seconds=30.00025), 7.25, "good"))
    store(database, readings)
    derive(database)
    assert_points_written_as_the_api_writes_them(database)
    assert any('"last_time":"2026-03-02T14:59:30.000250Z"' in p[0] for p in stored_points(database))
    with database.transaction() as conn, conn.cursor() as cur:
        # Marked, so that the answer shows which points were read as stored.
        cur.execute(
            "UPDATE reading_rollups_coarse SET point = '{ ' || substr(point, 2) "
            "WHERE width_s = 3600"
        )
    span = Span(SITE, "room", T0 + timedelta(minutes=90), None)  # from the middle of an hour
    (totals,) = totals_of(database, [span])
    assert totals.first is not None and totals.last is not None
    life = (totals.first, totals.last)
    assert series_width(life, 100) == 3600
    with database.transaction() as conn, conn.cursor() as cur:
        _, series = level_series(cur, [span], "temperature", 100, 3600, life)
        sent = level_series_json(cur, [span], "temperature", 100, 3600, life)
    assert [_bucket_of(p) for p in json.loads(sent)] == series
    stored = [not point.startswith('{"') for point in sent[1:-1].split("},")]
    # The first hour is partial (read from its five-minute cells), the other 58 whole.
    assert len(series) == 59 and stored == [False] + [True] * 58


@pytest.mark.parametrize(
    ("second_from_h", "hours_of_two_places"),
    [(4, 0), (2, 2)],  # the second place's stay after the first's; overlapping it two hours
)
def test_a_bucket_holds_each_reading_once_whether_stays_meet_in_a_cell_or_not(
    database, second_from_h, hours_of_two_places
):
    store(database, [*every_minute("a", T0, 360, 4.0), *every_minute("b", T0, 360, 6.0)])
    derive(database)
    with database.transaction() as conn, conn.cursor() as cur:
        # Marked, so that the answer shows which points were read as stored.
        cur.execute("UPDATE reading_rollups_coarse SET point = '{ ' || substr(point, 2)")
    spans = [
        Span(SITE, "a", T0 + timedelta(minutes=30), T0 + timedelta(hours=4)),
        Span(SITE, "b", T0 + timedelta(hours=second_from_h), None),
    ]
    firsts_lasts = [(t.first, t.last) for t in totals_of(database, spans)]
    life = (min(f for f, _ in firsts_lasts), max(last for _, last in firsts_lasts))
    # A connection of its own: the statements prepared on it are this test's.
    conn = psycopg2.connect(database.url, options=SESSION_OPTIONS)
    try:
        with conn.cursor() as cur:
            cells, series = level_series(cur, spans, "temperature", 100, 3600, life)
            sent = level_series_json(cur, spans, "temperature", 100, 3600, life)
            cur.execute("SELECT name FROM pg_prepared_statements")
            used = {name for (name,) in cur.fetchall()}
    finally:
        conn.close()
    assert [_bucket_of(p) for p in json.loads(sent)] == series
    # Stays apart: each whole hour read as the one stored point of its bucket, ungrouped.
    grouped = "txng_series_coarse_json" if hours_of_two_places else "txng_series_whole_cells_json"
    assert used == {"txng_series_coarse", grouped}
    # One bucket per hour from 08:30 to 13:59; an hour of both places counts both.
    assert cells == len(series) == 6
    counts = [bucket[2] for bucket in series]
    assert counts == [30] + [60] * (second_from_h - 1) + [120] * hours_of_two_places + [60] * (
        6 - second_from_h - hours_of_two_places
    )
    stored = [not point.startswith('{"') for point in sent[1:-1].split("},")]
    # Whole hours of one place are sent as stored; the partial first and the shared ones not.
    assert stored == [count == 60 for count in counts]


def test_a_stay_inside_one_cell_and_an_open_stay(database):
    store(database, [*every_minute("room", T0, 20, 6.0), ("room", T0, 1.0, "good")])
    derive(database)
    spans = [
        Span(SITE, "room", T0 + timedelta(minutes=6, seconds=30), T0 + timedelta(minutes=9)),
        Span(SITE, "room", T0 + timedelta(minutes=7), None),
        Span(SITE, "room", T0, T0 + timedelta(minutes=10)),
        Span(SITE, "elsewhere", T0, None),
    ]
    got = totals_of(database, spans)
    assert [t.count for t in got] == [2, 13, 11, 0]
    for total, span in zip(got, spans, strict=True):
        assert_totals_equal(total, raw_totals(database, span))


# Property: on random readings (some late, some still waiting for their work, some suspect)
# and random stays, the rollup-based totals and series equal those computed from raw readings.

_LOCATIONS = ("a", "b")
_HORIZON_S = 2 * 86400  # two days: every level has whole and partial cells
_offsets = st.one_of(
    st.integers(0, _HORIZON_S // 300).map(lambda k: k * 300),  # on the grid
    st.integers(0, _HORIZON_S),
)
_readings = st.lists(
    st.tuples(
        st.sampled_from(_LOCATIONS),
        _offsets,
        st.integers(-500, 1500).map(lambda v: v / 100),
        st.sampled_from(("good", "good", "good", "suspect")),
        st.sampled_from(("first", "late", "waiting")),
    ),
    max_size=150,
)
_stays = st.lists(
    st.tuples(
        st.sampled_from(_LOCATIONS),
        _offsets,
        st.one_of(
            st.none(), st.integers(1, 600), st.integers(1, _HORIZON_S), _offsets.filter(bool)
        ),
    ),
    min_size=1,
    max_size=5,
)


def _at(offset_s: int) -> datetime:
    return T0 + timedelta(seconds=offset_s)


def expected_series(
    readings: Sequence[Reading], spans: Sequence[Span], points: int, width_s: int
) -> tuple[int, list[tuple[object, ...]]]:
    """The series at one level computed in Python from the raw readings (the definition)."""
    linked = [
        r
        for r in readings
        if r[3] != "suspect"
        and any(
            s.location == r[0] and s.start <= r[1] and (s.end is None or r[1] < s.end)
            for s in spans
        )
    ]
    if not linked:
        return 0, []
    width = timedelta(seconds=width_s)

    def cell_of(at: datetime) -> int:
        return (at - GRID_ORIGIN) // width

    c0 = cell_of(min(r[1] for r in linked))
    cells = cell_of(max(r[1] for r in linked)) - c0 + 1
    buckets: dict[int, list[Reading]] = {}
    for r in linked:
        index = ((cell_of(r[1]) - c0 + 1) * points - 1) // cells
        buckets.setdefault(index, []).append(r)
    return cells, [
        (
            min(r[1] for r in rs),
            max(r[1] for r in rs),
            len(rs),
            min(r[2] for r in rs),
            max(r[2] for r in rs),
            math.fsum(r[2] for r in rs) / len(rs),
        )
        for _, rs in sorted(buckets.items())
    ]


def _bucket_of(point: dict[str, object]) -> tuple[object, ...]:
    """A bucket as level_series gives it, from the API's JSON point."""
    times = (datetime.fromisoformat(str(point[k])) for k in ("first_time", "last_time"))
    return (*times, *(point[k] for k in ("count", "min", "max", "mean")))


def assert_same_series(got: Sequence[tuple[object, ...]], want: Sequence[tuple[object, ...]]):
    assert [b[:5] for b in got] == [b[:5] for b in want]
    assert [b[5] for b in got] == pytest.approx([b[5] for b in want], rel=1e-12, abs=1e-9)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=_readings, stays=_stays, points=st.sampled_from((1, 3, 7, 20)))
def test_rollup_totals_and_series_equal_the_raw_computation(database, raw, stays, points):
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "TRUNCATE readings, reading_rollups, reading_rollups_coarse, work_queue, probes"
        )
    readings = {
        phase: [(loc, _at(s), v, q) for loc, s, v, q, p in raw if p == phase]
        for phase in ("first", "late", "waiting")
    }
    store(database, readings["first"])
    derive(database)
    store(database, readings["late"])
    derive(database)
    store(database, readings["waiting"])  # its work is still queued: those cells read raw
    everything = [r for rs in readings.values() for r in rs]
    spans = [
        Span(SITE, loc, _at(s), None if length is None else _at(s + length))
        for loc, s, length in stays
    ]
    for got, span in zip(totals_of(database, spans), spans, strict=True):
        assert_totals_equal(got, raw_totals(database, span))

    merged = [
        Span(m.site_id, m.location, m.start, m.end)
        for m in merge_stays([Stay(s.site_id, s.location, s.start, s.end) for s in spans])
    ]
    # Each level is exact, also with fewer cells than `points` (one bucket per cell).
    wanted = {w: expected_series(everything, merged, points, w) for w in LEVELS_S}
    with database.transaction() as conn, conn.cursor() as cur:
        totals = span_totals(cur, merged, "temperature")
    firsts = [t.first for t in totals if t.first is not None]
    lasts = [t.last for t in totals if t.last is not None]
    if wanted[300][0]:
        life = (min(firsts), max(lasts))
        with database.transaction() as conn, conn.cursor() as cur:
            for width_s in LEVELS_S:
                cells, series = level_series(cur, merged, "temperature", points, width_s, life)
                assert cells == wanted[width_s][0], width_s
                assert_same_series(series, wanted[width_s][1])
                # The API's JSON of the same buckets, written by the database.
                sent = level_series_json(cur, merged, "temperature", points, width_s, life)
                assert [_bucket_of(p) for p in json.loads(sent)] == series
        # The level: none (raw) when five-minute cells are fewer than `points`, else the
        # finest with at most `points` cells (the widest if every level has more).
        fitting = [w for w in LEVELS_S if wanted[w][0] <= points]
        if wanted[300][0] < points:
            assert series_width(life, points) is None
        else:
            assert series_width(life, points) == (min(fitting) if fitting else LEVELS_S[-1])
    else:
        assert (firsts, lasts) == ([], [])

    derive(database)  # maintained cells are exactly what a rebuild from raw readings gives
    kept, kept_coarse = rollup_rows(database), coarse_rows(database)
    if kept_coarse:
        assert_points_written_as_the_api_writes_them(database)
    with database.transaction() as conn, conn.cursor() as cur:
        rebuild_rollups(cur)
    assert_same_cells(kept, rollup_rows(database))
    assert_same_cells(kept_coarse, coarse_rows(database), keys=5)
    if kept_coarse:
        assert_points_written_as_the_api_writes_them(database)
