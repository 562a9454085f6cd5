"""Injected failures: the next N requests fail in a named way."""

import threading
from collections import deque


class Faults:
    """A queue of failures to inject, consumed one per request (thread-safe)."""

    def __init__(self) -> None:
        self._queue: deque[str] = deque()
        self._lock = threading.Lock()

    def inject(self, fault: str, times: int = 1) -> None:
        """Make the next `times` requests fail with `fault`."""
        with self._lock:
            self._queue.extend([fault] * times)

    def take(self) -> str | None:
        """The failure for this request, if one is queued."""
        with self._lock:
            return self._queue.popleft() if self._queue else None
