"""A simulated clock that runs `speed` times faster than real time (speed may change)."""

import time


class SimClock:
    """Simulated seconds since start; changing the speed keeps the time continuous."""

    def __init__(self, speed: float = 1.0):
        self._speed = speed
        self._base_real = time.monotonic()
        self._base_sim = 0.0

    def now(self) -> float:
        """Simulated seconds since the simulator started."""
        return self._base_sim + (time.monotonic() - self._base_real) * self._speed

    def set_speed(self, speed: float) -> None:
        """Run at a new speed from now on."""
        self._base_sim = self.now()
        self._base_real = time.monotonic()
        self._speed = speed

    def advance(self, seconds: float) -> None:
        """Jump forward by `seconds` of simulated time."""
        self._base_sim += seconds
