"""Property: a report's figures, read from the rollups, equal a computation from raw readings.

Random stays of a batch at two places (partial days, hours and five-minute cells; some open,
some overlapping) and random readings of two probes, stored in three phases: rolled up, late
(rolled up after others), and still waiting for their work (their cells are read raw).
"""

import math
import uuid
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg2.extras import execute_values

from cloud.coldchain.handlers import COLD_CHAIN_LOCATION
from cloud.db.mkt import mean_kinetic_temperature
from cloud.db.pool import Database
from cloud.db.rollups_store import LocationKey
from cloud.db.work_queue import enqueue
from cloud.derive.worker import DeriveWorker
from cloud.reports.assemble import assemble
from cloud.reports.scope import BatchReport, resolve
from tests.support.seed import add_batch, add_product, add_profile

SITE = "farm"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=4)
HORIZON_S = 3 * 86400
PLACES = ("a", "b")
PROBES = ("p1", "p2")


@pytest.fixture
def database(database_url):
    db = Database(database_url, max_connections=2)
    add_profile(database_url, "chill", name="Chilled", single_excursion_s=600)
    add_product(database_url, "08936012345018", name="L", profile_id="chill")
    add_batch(database_url, "08936012345018", "L1", id=1, verified=False)
    yield db
    db.close()


offsets = st.one_of(
    st.integers(0, HORIZON_S // 300).map(lambda k: k * 300), st.integers(0, HORIZON_S)
)
readings_strategy = st.lists(
    st.tuples(
        st.sampled_from(PLACES),
        st.sampled_from(PROBES),
        offsets,
        st.integers(-500, 1500).map(lambda v: v / 100),
        st.sampled_from(("good", "good", "good", "suspect")),
        st.sampled_from(("first", "late", "waiting")),
    ),
    min_size=20,
    max_size=150,
)
stays_strategy = st.lists(
    st.tuples(
        st.sampled_from(PLACES),
        offsets,
        st.one_of(st.none(), st.integers(1, 7200), st.integers(3600, HORIZON_S)),
    ),
    min_size=2,
    max_size=4,
)


def at(offset_s: int) -> datetime:
    return T0 + timedelta(seconds=offset_s)


def store(database, readings, *, queue: bool) -> None:
    if not readings:
        return
    with database.transaction() as conn, conn.cursor() as cur:
        execute_values(
            cur,
            "INSERT INTO readings (time, id, site_id, device_id, seq, clock, sensor, location, "
            "quantity, value, unit, quality, received_at) VALUES %s",
            [(t, str(uuid.uuid4()), probe, loc, v, q) for loc, probe, t, v, q in readings],
            template=f"(%s, %s, '{SITE}', 'pi', 0, 'synced', %s, %s, 'temperature', %s, 'CEL', "
            "%s, now())",
        )
        if queue:
            enqueue(
                cur,
                [
                    COLD_CHAIN_LOCATION.work(
                        LocationKey(SITE, loc, "temperature"),
                        min(r[2] for r in readings if r[0] == loc),
                        max(r[2] for r in readings if r[0] == loc),
                    )
                    for loc in sorted({r[0] for r in readings})
                ],
            )


def derive(database) -> None:
    worker = DeriveWorker(database, kinds=[COLD_CHAIN_LOCATION], batch_size=50)
    while worker.run_once():
        pass
    assert worker.failed == 0


def inside(reading, place: str, start: datetime, end: datetime | None) -> bool:
    return reading[0] == place and start <= reading[2] and (end is None or reading[2] < end)


def assert_figures(figures, linked) -> None:
    good = [r for r in linked if r[4] != "suspect"]
    assert figures.count == len(good)
    if not good:
        assert (figures.min, figures.max, figures.mean, figures.mkt) == (None,) * 4
        return
    values = [r[3] for r in good]
    assert (figures.min, figures.max) == (min(values), max(values))
    assert (figures.first, figures.last) == (min(r[2] for r in good), max(r[2] for r in good))
    assert figures.mean == pytest.approx(math.fsum(values) / len(values), rel=1e-12, abs=1e-9)
    assert figures.mkt == pytest.approx(mean_kinetic_temperature(values), abs=1e-9)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=readings_strategy, stays=stays_strategy)
def test_report_figures_equal_the_raw_computation(database, raw, stays):
    with database.transaction() as conn, conn.cursor() as cur:
        cur.execute(
            "TRUNCATE readings, reading_rollups, reading_rollups_coarse, work_queue, "
            "probes, presence, excursions"
        )
        execute_values(
            cur,
            "INSERT INTO presence (batch_id, site_id, location, start_time, end_time, open_event) "
            "VALUES %s",
            [
                (1, SITE, place, at(s), None if n is None else at(s + n), str(uuid.uuid4()))
                for place, s, n in stays
            ],
        )
    readings = [(loc, probe, at(s), v, q, phase) for loc, probe, s, v, q, phase in raw]
    for phase in ("first", "late", "waiting"):
        store(database, [r[:5] for r in readings if r[5] == phase], queue=True)
        if phase != "waiting":
            derive(database)  # the waiting ones' work stays queued: their cells are read raw

    with database.transaction() as conn, conn.cursor() as cur:
        report = assemble(cur, resolve(cur, BatchReport(1)), now=NOW)

    wanted = [(place, at(s), None if n is None else at(s + n)) for place, s, n in stays]
    linked = [r for r in readings if any(inside(r, *stay) for stay in wanted)]
    assert_figures(report.overall, linked)
    # Every stay lies within one of the report's (merged) spans, and those cover nothing else.
    for place, start, end in wanted:
        assert any(
            s.span.location == place
            and s.span.start <= start
            and (s.span.end is None or (end is not None and end <= s.span.end))
            for s in report.stays
        )
    covered = [
        r
        for r in readings
        if any(inside(r, s.span.location, s.span.start, s.span.end) for s in report.stays)
    ]
    assert sorted(map(str, covered)) == sorted(map(str, linked))
    for stay in report.stays:
        mine = [
            r for r in readings if inside(r, stay.span.location, stay.span.start, stay.span.end)
        ]
        assert_figures(stay.figures, mine)
        good = sorted(r[2] for r in mine if r[4] != "suspect")
        gaps = [(b - a).total_seconds() for a, b in pairwise(good)]
        end = stay.span.end or NOW
        edges = (
            [(good[0] - stay.span.start).total_seconds(), (end - good[-1]).total_seconds()]
            if good
            else [(end - stay.span.start).total_seconds()]
        )
        assert stay.longest_gap_s == max(gaps + edges)
    # Per probe: good and suspect readings.
    per_probe: dict[tuple[str, str], list[int]] = {}
    for r in linked:
        counts = per_probe.setdefault((r[0], r[1]), [0, 0])
        counts[r[4] == "suspect"] += 1
    assert {(s.location, s.sensor): [s.good, s.suspect] for s in report.sensors} == per_probe
