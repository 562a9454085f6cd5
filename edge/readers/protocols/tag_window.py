"""Collapse repeated reads of one tag within a window into one observation."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Observation:
    """A tag seen `count` times between `first_seen` and `last_seen`."""

    epc: str
    first_seen: datetime
    last_seen: datetime
    opened: float  # monotonic time of the first read
    count: int = 1
    rssi: float | None = None
    antenna: int | None = None
    antennas: set[int] = field(default_factory=set)


class TagWindow:
    """Merges reads of the same EPC until `window_s` after its first read."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._open: dict[str, Observation] = {}

    def add(
        self, epc: str, *, at: datetime, now: float, rssi: float | None, antenna: int | None
    ) -> None:
        """Record one read; the strongest read decides the reported RSSI and antenna."""
        seen = self._open.get(epc)
        if seen is None:
            seen = self._open[epc] = Observation(epc, at, at, now, 0, rssi, antenna)
        seen.count += 1
        seen.last_seen = max(seen.last_seen, at)
        if antenna is not None:
            seen.antennas.add(antenna)
        if rssi is not None and (seen.rssi is None or rssi > seen.rssi):
            seen.rssi, seen.antenna = rssi, antenna

    def due(self, now: float) -> list[Observation]:
        """The observations whose window has closed, oldest first."""
        closed = [o for o in self._open.values() if now - o.opened >= self.window_s]
        for observation in closed:
            del self._open[observation.epc]
        return sorted(closed, key=lambda o: o.opened)

    def next_due(self) -> float | None:
        """The monotonic time at which the next window closes."""
        if not self._open:
            return None
        return min(o.opened for o in self._open.values()) + self.window_s
