"""The device clock: UTC time for items and whether the system clock is synchronised."""

import asyncio
import ctypes
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from contract import ClockQuality

logger = logging.getLogger(__name__)

_TIME_ERROR = 5  # adjtimex(2) return value: the clock is not synchronised
_STA_UNSYNC = 0x0040  # adjtimex(2) status bit: the kernel considers the clock unsynchronised
_STATUS_OFFSET = 40  # offset of `int status` in struct timex on 64- and 32-bit Linux (LP64 only)
_RECHECK_S = 10.0


class ClockSync(StrEnum):
    """How the agent decides whether the clock is synchronised."""

    AUTO = "auto"
    SYNCED = "synced"
    UNSYNCED = "unsynced"


def kernel_clock_synced() -> bool | None:
    """Ask the kernel (adjtimex, read-only) whether NTP/GPS disciplines the clock; None if unknown.

    This is the same flag `timedatectl show -p NTPSynchronized` reports, without D-Bus.
    """
    if not sys.platform.startswith("linux") or ctypes.sizeof(ctypes.c_long) != 8:
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        buffer = ctypes.create_string_buffer(512)  # struct timex (~208 B); modes 0: read only
        state = int(libc.adjtimex(buffer))
    except (OSError, AttributeError):
        return None
    if state < 0:
        return None
    status = int.from_bytes(buffer.raw[_STATUS_OFFSET : _STATUS_OFFSET + 4], sys.byteorder)
    return state != _TIME_ERROR and not status & _STA_UNSYNC


class Clock:
    """Wall time in UTC and its quality; the kernel is asked at most every ten seconds.

    Readers that keep a schedule measure and wait on the clock (`monotonic`, `sleep`), so a
    simulated clock (`ScaledClock`) runs their schedules as fast as it runs.
    """

    simulated = False  # a simulation catches up on ticks it missed; real time skips them

    def __init__(self, sync: ClockSync = ClockSync.AUTO) -> None:
        self._sync = sync
        self._checked_at = -_RECHECK_S
        self._synced = sync is ClockSync.SYNCED
        self._started = time.monotonic()

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds on a steady scale that never jumps (for schedules)."""
        return time.monotonic()

    def elapsed_s(self) -> float:
        """Seconds since this clock started (a reader restart keeps its place in a schedule)."""
        return self.monotonic() - self._started

    def time_at(self, monotonic: float) -> datetime:
        """The time this clock showed (or will show) at `monotonic` on its steady scale."""
        return self.now() - timedelta(seconds=self.monotonic() - monotonic)

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""
        await asyncio.sleep(max(seconds, 0.0))

    async def sleep_until(self, when: datetime) -> None:
        """Wait until this clock shows `when` (at once if it is past)."""
        await self.sleep((when - self.now()).total_seconds())

    def quality(self) -> ClockQuality:
        """SYNCED when the clock is known to be synchronised, else UNSYNCED."""
        if self._sync is ClockSync.AUTO:
            now = time.monotonic()
            if now - self._checked_at >= _RECHECK_S:
                self._checked_at = now
                synced = bool(kernel_clock_synced())
                if synced != self._synced:
                    logger.info("system clock %s", "synchronised" if synced else "not synchronised")
                self._synced = synced
        return ClockQuality.SYNCED if self._synced else ClockQuality.UNSYNCED


class ScaledClock(Clock):
    """A simulated clock: starts at `start` and runs `speed` times as fast as real time.

    For replays and demonstrations (e.g. a season of a farm in seconds). Its time is the
    simulation's reference, so its quality is "synced". `set_speed` keeps the time continuous.
    A clock made `paused` shows `start` until `resume()` (e.g. once every reader runs).
    """

    _MAX_REAL_WAIT_S = 0.5  # re-check at least this often, so that a new speed takes effect
    simulated = True

    def __init__(
        self,
        start: datetime,
        speed: float,
        *,
        paused: bool = False,
        real: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ClockSync.SYNCED)
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._real = real  # the real, steady clock it scales
        self._base_sim = 0.0
        self._base_real = real()
        self._start = start.astimezone(UTC)
        self._speed = speed
        self._paused = paused
        self._started = 0.0

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Run at a new speed from now on."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._base_sim = self.monotonic()
        self._base_real = self._real()
        self._speed = speed

    def resume(self) -> None:
        """Let a paused clock run (from the time it showed)."""
        if self._paused:
            self._base_real = self._real()
            self._paused = False

    def monotonic(self) -> float:
        """Simulated seconds since the start."""
        if self._paused:
            return self._base_sim
        return self._base_sim + (self._real() - self._base_real) * self._speed

    def now(self) -> datetime:
        """The simulated time in UTC."""
        return self._start + timedelta(seconds=self.monotonic())

    def time_at(self, monotonic: float) -> datetime:
        """The simulated time at `monotonic` simulated seconds since the start."""
        return self._start + timedelta(seconds=monotonic)

    def quality(self) -> ClockQuality:
        """Always synced: this clock is the simulation's reference."""
        return ClockQuality.SYNCED

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of simulated time (in real slices, so that speed changes apply)."""
        until = self.monotonic() + seconds
        while (left := until - self.monotonic()) > 0:
            await asyncio.sleep(min(left / self._speed, self._MAX_REAL_WAIT_S))
