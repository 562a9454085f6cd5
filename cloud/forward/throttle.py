"""A shared pace for the requests to one far side: a token bucket plus a pause after a 429."""

import threading
import time


class Throttle:
    """Blocks callers so that at most `rate_per_s` requests start per second (None: no limit).

    A 429's Retry-After pauses every caller of this throttle, not just the one that got it.
    """

    def __init__(self, rate_per_s: float | None = None, *, burst: float = 1.0):
        self._rate = rate_per_s
        self._capacity = max(1.0, burst)
        self._tokens = self._capacity
        self._updated = time.monotonic()
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        """Wait until a request may start."""
        while True:
            with self._lock:
                now = time.monotonic()
                wait = self._paused_until - now
                if wait <= 0 and self._rate is None:
                    return
                if wait <= 0 and self._rate is not None:
                    self._tokens = min(
                        self._capacity, self._tokens + (now - self._updated) * self._rate
                    )
                    self._updated = now
                    if self._tokens >= 1.0:
                        self._tokens -= 1.0
                        return
                    wait = (1.0 - self._tokens) / self._rate
            time.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Let no request start for `seconds` (from now)."""
        with self._lock:
            self._paused_until = max(self._paused_until, time.monotonic() + seconds)
