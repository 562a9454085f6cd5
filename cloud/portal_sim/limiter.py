"""The simulator's rate limit: a token bucket in real time, answering how long to wait."""

import math
import time


class RateLimit:
    """At most `rate` requests per second on average, bursts of up to one second's worth."""

    def __init__(self, rate: float | None):
        self.rate = rate
        self._tokens = rate or 0.0
        self._updated = time.monotonic()

    def set_rate(self, rate: float | None) -> None:
        """Change the limit (None: none)."""
        self.rate = rate
        self._tokens = min(self._tokens, rate or 0.0)

    def take(self) -> float | None:
        """Take one request's token; None when allowed, else the seconds until one is due."""
        if self.rate is None:
            return None
        now = time.monotonic()
        self._tokens = min(self.rate, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return None
        return (1.0 - self._tokens) / self.rate


def retry_after_header(wait_s: float) -> str:
    """Retry-After in whole seconds (at least 1), as HTTP has it."""
    return str(max(1, math.ceil(wait_s)))
