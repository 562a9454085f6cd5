"""A small, thread-safe, in-process cache whose entries live a fixed number of seconds."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TtlCache(Generic[K, V]):
    """Values kept `ttl_s` seconds after they were put (0: nothing is kept), at most `size`.

    An expired value stays another `stale_s` seconds for `stale`, which a caller may serve
    while it fetches the value anew (stale-while-revalidate); `get` never returns it.
    """

    def __init__(
        self,
        ttl_s: float,
        size: int = 10_000,
        stale_s: float = 0.0,
        *,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._clock = clock
        self._ttl_s = ttl_s
        self._stale_s = stale_s
        self._size = size
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """The live value of `key`, or None (counted as a hit or a miss)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self.hits += 1
                return entry[1]
            if entry is not None and entry[0] + self._stale_s <= now:
                del self._entries[key]
            self.misses += 1
            return None

    def stale(self, key: K) -> V | None:
        """The value of `key` if it expired less than `stale_s` seconds ago (not counted)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] <= now < entry[0] + self._stale_s:
                return entry[1]
            return None

    def put(self, key: K, value: V) -> None:
        """Keep `value` for `key` (the oldest entries go when the cache is full)."""
        if self._ttl_s <= 0:
            return
        with self._lock:
            self._entries[key] = (self._clock() + self._ttl_s, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
