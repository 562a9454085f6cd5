from datetime import UTC, datetime, timedelta

from cloud.coldchain.excursions import cumulative_crossing, find_excursions
from cloud.db.rows.coldchain import Profile, Sample

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PROFILE = Profile("chill", "temperature", 2.0, 8.0, 600, 3600, 0.5, None, 900)


def series(values, probe="d/p", step=60):
    return [Sample(probe, T0 + timedelta(seconds=i * step), v) for i, v in enumerate(values)]


def at(minutes):
    return T0 + timedelta(minutes=minutes)


def test_excursion_ends_only_inside_the_hysteresis_margin():
    spans = find_excursions(series([5, 8.5, 9, 7.8, 8.2, 7.4, 5]), PROFILE)
    assert [(s.direction, s.start, s.end, s.peak) for s in spans] == [("high", at(1), at(5), 9)]


def test_open_excursion_and_the_stay_end():
    values = [5, 9, 9.5]
    (open_,) = find_excursions(series(values), PROFILE)
    assert (open_.end, open_.last, open_.duration) == (None, at(2), timedelta(minutes=1))
    (closed,) = find_excursions(series(values), PROFILE, until=at(10))
    assert (closed.end, closed.duration) == (at(10), timedelta(minutes=9))


def test_straight_from_high_to_low():
    spans = find_excursions(series([9, 1, 5]), PROFILE)
    assert [(s.direction, s.start, s.end) for s in spans] == [
        ("high", at(0), at(1)),
        ("low", at(1), at(2)),
    ]


def test_two_probes_overlapping_count_once_and_order_does_not_matter():
    a = series([5, 9, 9, 9, 5])  # out 1..4
    b = series([5, 5, 5, 9, 9, 9, 5], probe="d/q")  # out 3..6
    spans = find_excursions(list(reversed(a + b)), PROFILE)
    assert [(s.start, s.end) for s in spans] == [(at(1), at(6))]


def test_cumulative_crossing():
    spans = find_excursions(series([9, 9, 5, 5, 9, 9, 9, 5]), PROFILE)  # 2 min + 3 min
    assert cumulative_crossing(spans, 240) == at(6)
    assert cumulative_crossing(spans, 301) is None
