"""The device clock: UTC time for items and whether the system clock is synchronised."""

import ctypes
import logging
import sys
import time
from datetime import UTC, datetime
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
    """Wall time in UTC and its quality; the kernel is asked at most every ten seconds."""

    def __init__(self, sync: ClockSync = ClockSync.AUTO) -> None:
        self._sync = sync
        self._checked_at = -_RECHECK_S
        self._synced = sync is ClockSync.SYNCED

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)

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
