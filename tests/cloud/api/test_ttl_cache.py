"""The consumer page's short-lived cache: expiry, a stale grace, oldest out first, 0 keeps none."""

from cloud.api.ttl_cache import TtlCache


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_seconds_and_counts_hits_and_misses():
    clock = Clock()
    cache = TtlCache[str, int](0.2, clock=clock)
    assert cache.get("a") is None
    cache.put("a", 1)
    clock.now += 0.19
    assert cache.get("a") == 1
    clock.now += 0.02
    assert cache.get("a") is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_oldest_entries_go_when_full_and_zero_seconds_keeps_nothing():
    cache = TtlCache[str, int](60, size=2)
    for key, value in (("a", 1), ("b", 2), ("c", 3)):
        cache.put(key, value)
    assert [cache.get(k) for k in "abc"] == [None, 2, 3]
    off = TtlCache[str, int](0)
    off.put("a", 1)
    assert off.get("a") is None


def test_an_expired_value_stays_for_stale_only_its_grace_seconds():
    clock = Clock()
    cache = TtlCache[str, int](0.2, stale_s=0.4, clock=clock)
    cache.put("a", 1)
    assert (cache.get("a"), cache.stale("a")) == (1, None)  # fresh: not stale
    clock.now += 0.3
    assert (cache.get("a"), cache.stale("a")) == (None, 1)
    clock.now += 0.4
    assert (cache.get("a"), cache.stale("a")) == (None, None)
    no_grace = TtlCache[str, int](0.1, clock=clock)
    no_grace.put("a", 1)
    clock.now += 0.15
    assert (no_grace.get("a"), no_grace.stale("a")) == (None, None)
