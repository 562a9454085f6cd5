"""In-process limits on public requests: a token bucket per client and a repeat filter.

Kept in memory only (client addresses are never stored), bounded in size, per API process:
with several workers each has its own, so a client gets up to workers times the rate.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable

MAX_CLIENTS = 100_000


class RateLimiter:
    """Each key may make `per_minute` requests a minute, `burst` at once (a token bucket)."""

    def __init__(self, per_minute: float, burst: int, size: int = MAX_CLIENTS):
        self._rate = per_minute / 60.0
        self._burst = float(burst)
        self._size = size
        self._buckets: OrderedDict[Hashable, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: Hashable, now: float | None = None) -> float:
        """0 if the request may go on (a token is taken); else seconds until it may."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.pop(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            wait = 0.0
            if tokens >= 1.0:
                tokens -= 1.0
            else:
                wait = (1.0 - tokens) / self._rate
            self._buckets[key] = (tokens, now)
            while len(self._buckets) > self._size:
                self._buckets.popitem(last=False)  # the least recently seen client
            return wait


class RepeatFilter:
    """Whether a key was seen within `seconds` (the first sighting starts the span)."""

    def __init__(self, seconds: float, size: int = MAX_CLIENTS):
        self._seconds = seconds
        self._size = size
        self._seen: OrderedDict[Hashable, float] = OrderedDict()
        self._lock = threading.Lock()

    def first(self, key: Hashable, now: float | None = None) -> bool:
        """True for a key not seen in the last `seconds` (and remember it from now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen < self._seconds:
                return False
            self._seen.pop(key, None)
            self._seen[key] = now
            while len(self._seen) > self._size:
                self._seen.popitem(last=False)
            return True

    def seen(self, key: Hashable, now: float | None = None) -> bool:
        """Whether the key was seen within `seconds` (without remembering anything)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen.get(key)
            return seen is not None and now - seen < self._seconds
