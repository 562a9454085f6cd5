"""The outbox's hard floor: free space it never writes below, and what it refuses there."""

import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from contract import ScanEvent
from edge.readers.base import TakenItem

logger = logging.getLogger(__name__)

_SUMMARY_EVERY_S = 60.0
# Kept free above the floor for what a transaction rewrites besides its new items: pages of
# thinned readings, index and counter pages (each a whole page in the WAL).
_SLACK = 64 * 1024


def reusable_bytes(connection: sqlite3.Connection) -> int:
    """Bytes of free pages inside the database file, which new items reuse before it grows."""
    pages = connection.execute("PRAGMA freelist_count").fetchone()[0]
    size = connection.execute("PRAGMA page_size").fetchone()[0]
    return int(pages) * int(size)


class SpaceGuard:
    """Refuses new items while the outbox's filesystem would fall below `min_free_bytes`."""

    def __init__(self, directory: Path, *, min_free_bytes: int) -> None:
        self.directory = directory
        self.min_free_bytes = min_free_bytes
        self.refused_earlier = 0  # loaded from the outbox: refused by earlier runs
        self.refused_scans = 0
        self.refused_readings = 0
        self.refusing = False
        self._claimed = 0  # bytes admitted in the transaction being built, not yet on disk
        self._summary_at = 0.0

    def new_transaction(self) -> None:
        """A new group of writes begins: what earlier ones claimed is on disk now."""
        self._claimed = 0

    def free_bytes(self) -> int:
        """Bytes the agent's user may still write on the outbox's filesystem."""
        stat = os.statvfs(self.directory)
        return stat.f_bavail * stat.f_frsize

    def admits(self, connection: sqlite3.Connection, payload_bytes: int) -> bool:
        """Whether `payload_bytes` of new items fit above the floor (WAL and table: twice)."""
        need = 2 * payload_bytes + 2 * 4096
        room = self.free_bytes() + reusable_bytes(connection) - self.min_free_bytes
        fits = self._claimed + need + _SLACK <= room
        if fits:
            self._claimed += need
        if fits and self.refusing:
            self.refusing = False
            logger.warning(
                "outbox: accepting items again (%d scans and %d readings were refused)",
                self.refused_scans, self.refused_readings,
            )
        return fits

    def refuse(self, items: Sequence[TakenItem]) -> None:
        """Count and report items that could not be stored: each scan by name, readings in sum."""
        if not self.refusing:
            self.refusing = True
            logger.error(
                "outbox: %d bytes free on %s, at the floor of %d: refusing new items",
                self.free_bytes(), self.directory, self.min_free_bytes,
            )
        for item in items:
            if isinstance(item, ScanEvent):
                self.refused_scans += 1
                logger.error(  # each one: someone must scan it again
                    "outbox full: refused scan %r by %s at %s (%s): scan it again later",
                    item.raw, item.reader, item.location, item.device_time.isoformat(),
                )
            else:
                self.refused_readings += 1
        now = time.monotonic()
        if now - self._summary_at >= _SUMMARY_EVERY_S:
            self._summary_at = now
            logger.error(
                "outbox full: %d scans and %d readings refused so far",
                self.refused_scans, self.refused_readings,
            )

    @property
    def refused(self) -> int:
        """Items refused at the floor since the outbox was created."""
        return self.refused_earlier + self.refused_scans + self.refused_readings
