"""A crash limit over a sliding time window: the rule every supervisor of txng applies."""

import time
from collections import deque


class CrashWindow:
    """The crashes of the last `window_s` seconds; more than `max_crashes` of them is too many."""

    def __init__(self, max_crashes: int, window_s: float):
        self.max_crashes = max_crashes
        self.window_s = window_s
        self._times: deque[float] = deque()

    def record(self) -> int:
        """Count a crash now; return how many fall within the window, this one included."""
        now = time.monotonic()
        self._times.append(now)
        while now - self._times[0] > self.window_s:
            self._times.popleft()
        return len(self._times)

    def too_many(self, crashes: int) -> bool:
        """Whether `crashes` within the window is past the limit."""
        return crashes > self.max_crashes
