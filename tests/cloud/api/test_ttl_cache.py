"""The consumer page's short-lived cache: entries expire, the oldest go first, 0 keeps nothing."""

import time

from cloud.api.ttl_cache import TtlCache


def test_an_entry_lives_its_seconds_and_counts_hits_and_misses():
    cache = TtlCache[str, int](0.2)
    assert cache.get("a") is None
    cache.put("a", 1)
    assert cache.get("a") == 1
    time.sleep(0.25)
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
