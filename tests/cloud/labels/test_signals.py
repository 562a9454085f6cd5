"""Signal limits and the in-process rate limits, on their own (no clock: times are given)."""

from datetime import UTC, datetime, timedelta

from cloud.api.rate_limit import RateLimiter, RepeatFilter
from cloud.labels.signals import Limits, Signal, far_apart, signals

LIMITS = Limits(window=timedelta(hours=24), often=5, far_km=300)
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_neighbouring_provinces_are_not_far_apart_but_north_and_south_are():
    assert far_apart(["hung-yen", "ha-noi", "hai-phong"], LIMITS) is None
    pair = far_apart(["hung-yen", "ha-noi", "ca-mau", "unknown"], LIMITS)
    assert pair is not None  # the farthest pair of the three known ones
    assert (pair.first, pair.second) == ("Hà Nội", "Cà Mau")
    assert 1_000 < pair.km < 1_400


def test_checked_often_counts_only_within_the_window():
    def found(checks: int, opened_hours_ago: float) -> list[Signal]:
        return signals(commissioned=True, window_start=NOW - timedelta(hours=opened_hours_ago),
                       window_checks=checks, provinces=[], limits=LIMITS, now=NOW)

    assert found(4, 1) == []
    assert found(5, 1) == [Signal.CHECKED_OFTEN]
    assert found(50, 25) == []  # that window closed; the next check opens a new one
    assert signals(commissioned=False, window_start=NOW, window_checks=1, provinces=[],
                   limits=LIMITS, now=NOW) == [Signal.NOT_COMMISSIONED]


def test_a_token_bucket_allows_a_burst_then_its_rate():
    limiter = RateLimiter(per_minute=60, burst=2, size=2)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 1.0]
    assert limiter.allow("a", now=1.0) == 0.0  # one token back after a second
    limiter.allow("b", now=1.0)
    limiter.allow("c", now=1.0)  # "a" is forgotten: the table stays bounded
    assert limiter.allow("a", now=1.0) == 0.0


def test_a_repeat_filter_remembers_a_key_for_its_span():
    repeats = RepeatFilter(seconds=600)
    assert repeats.first("k", now=0.0) and not repeats.first("k", now=599.0)
    assert repeats.seen("k", now=599.0) and not repeats.seen("k", now=600.0)
    assert repeats.first("k", now=600.0)
