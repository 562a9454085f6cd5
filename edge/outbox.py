"""The durable outbox (SQLite, WAL): put items, get a pack in order, delete a pack once acked.

An item gets its stable id and its device sequence number in the transaction that stores it,
and `put` returns only after that transaction has committed (synchronous=FULL, so a power
cut after the return loses nothing). Rows are deleted by row id when the broker acknowledges
the message that carried them. Bound: scans are never dropped; when the outbox is full the
oldest readings are thinned (every other one is deleted), and every dropped reading is counted.
"""

import asyncio
import fcntl
import logging
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import NamedTuple

from contract import ScanEvent, new_item_id
from edge.readers.base import TakenItem
from edge.sqlite_worker import SqliteWorker

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a pack cursor only moves forward
    channel INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS item_by_channel ON item (channel, id);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counter VALUES ('next_seq', 0), ('drops', 0);
"""


class OutboxError(Exception):
    """The outbox cannot be opened or written."""


class Lane(IntEnum):
    """The two uplink lanes of the outbox, each published on its own topic."""

    EVENTS = 0
    READINGS = 1


class Row(NamedTuple):
    """One stored item: its row id and its JSON."""

    id: int
    payload: bytes


@dataclass(frozen=True)
class OutboxStats:
    """What the status heartbeat reports about the outbox."""

    depth: int
    events: int
    readings: int
    capacity: int
    drops: int
    alarm: bool
    last_seq: int


def lane_of(item: TakenItem) -> Lane:
    """The lane an item travels in."""
    return Lane.EVENTS if isinstance(item, ScanEvent) else Lane.READINGS


def _setup(connection: sqlite3.Connection) -> None:
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=5000")  # only for outside readers, e.g. an inspector
    connection.executescript(_SCHEMA)


class Outbox:
    """The device's durable queue of items waiting for the broker's acknowledgement."""

    def __init__(self, path: Path, *, capacity: int, alarm_fraction: float = 0.8) -> None:
        self.path = path
        self.capacity = capacity
        self.alarm_fraction = alarm_fraction
        self._worker = SqliteWorker(path, setup=_setup)
        self._lock_fd: int | None = None
        # Written only by the SQLite thread; plain ints, so readers elsewhere see whole values.
        self._lanes = {Lane.EVENTS: 0, Lane.READINGS: 0}
        self._next_seq = 0
        self._drops = 0
        self._handed = {Lane.EVENTS: 0, Lane.READINGS: 0}
        self._thinning = False
        self.changed = asyncio.Event()

    def open(self) -> None:
        """Take the outbox's lock file, open the database and load the counters."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            os.close(fd)
            raise OutboxError(f"another agent is using the outbox {self.path}") from err
        self._lock_fd = fd
        try:
            self._worker.start()
            self._worker.submit(self._load).result()
        except sqlite3.Error as err:
            self.close()
            raise OutboxError(f"cannot open the outbox {self.path}: {err}") from err

    def close(self) -> None:
        """Finish pending work and release the database and its lock."""
        self._worker.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def _load(self, connection: sqlite3.Connection) -> None:
        counters = dict(connection.execute("SELECT name, value FROM counter").fetchall())
        self._next_seq, self._drops = counters["next_seq"], counters["drops"]
        for lane, count in connection.execute("SELECT channel, count(*) FROM item GROUP BY 1"):
            self._lanes[Lane(lane)] = count

    def stats(self) -> OutboxStats:
        """Depth, capacity, drops and whether the alarm (over `alarm_fraction` full) is raised."""
        depth = self._lanes[Lane.EVENTS] + self._lanes[Lane.READINGS]
        return OutboxStats(
            depth=depth,
            events=self._lanes[Lane.EVENTS],
            readings=self._lanes[Lane.READINGS],
            capacity=self.capacity,
            drops=self._drops,
            alarm=depth >= self.alarm_fraction * self.capacity,
            last_seq=max(self._next_seq - 1, 0),
        )

    async def put(self, items: Sequence[TakenItem]) -> int:
        """Store `items` with new ids and sequence numbers; returns once committed.

        Returns how many were stored (readings may be dropped when the outbox is full of scans).
        """
        stored = await asyncio.wrap_future(self._worker.submit(lambda c: self._put(c, items)))
        self.changed.set()
        return stored

    def _put(self, connection: sqlite3.Connection, items: Sequence[TakenItem]) -> int:
        lanes = [lane_of(item) for item in items]
        excess = sum(self._lanes.values()) + len(items) - self.capacity
        if excess > 0:
            excess -= self._thin(connection, max(excess, self.capacity // 100))
        keep = list(zip(items, lanes, strict=True))
        if excess > 0:  # no old readings left to thin: drop new readings, never scans
            dropped = 0
            kept = []
            for item, lane in keep:
                if lane is Lane.READINGS and dropped < excess:
                    dropped += 1
                else:
                    kept.append((item, lane))
            keep = kept
            self._count_drops(connection, dropped)
        seq = self._next_seq
        rows = []
        for offset, (item, lane) in enumerate(keep):
            stamped = item.model_copy(update={"id": new_item_id(), "seq": seq + offset})
            rows.append((int(lane), stamped.model_dump_json(exclude_none=True).encode()))
        connection.executemany("INSERT INTO item (channel, payload) VALUES (?, ?)", rows)
        connection.execute(
            "UPDATE counter SET value = ? WHERE name = 'next_seq'", (seq + len(rows),)
        )
        self._next_seq = seq + len(rows)
        for _, lane in keep:
            self._lanes[lane] += 1
        return len(rows)

    def _thin(self, connection: sqlite3.Connection, wanted: int) -> int:
        """Delete every other one of the oldest readings not yet handed out, until `wanted` go."""
        freed = 0
        floor = self._handed[Lane.READINGS]
        while freed < wanted:
            ids = [row_id for (row_id,) in connection.execute(
                "SELECT id FROM item WHERE channel = ? AND id > ? ORDER BY id LIMIT ?",
                (int(Lane.READINGS), floor, 2 * (wanted - freed)),
            )]
            if not ids:
                break
            victims = ids[1::2] if len(ids) > 1 else ids
            connection.executemany("DELETE FROM item WHERE id = ?", [(v,) for v in victims])
            freed += len(victims)
        self._lanes[Lane.READINGS] -= freed
        self._count_drops(connection, freed)
        if freed:
            log = logger.debug if self._thinning else logger.warning
            log("outbox full: thinning the oldest readings (%d dropped so far)", self._drops)
        self._thinning = freed > 0
        return freed

    def _count_drops(self, connection: sqlite3.Connection, dropped: int) -> None:
        if dropped:
            self._drops += dropped
            connection.execute("UPDATE counter SET value = ? WHERE name = 'drops'", (self._drops,))

    async def pack(self, lane: Lane, *, after: int, max_items: int, max_bytes: int) -> list[Row]:
        """The oldest rows of `lane` after row id `after`, at most `max_items` and `max_bytes`."""

        def read(connection: sqlite3.Connection) -> list[Row]:
            rows: list[Row] = []
            size = 0
            for row in connection.execute(
                "SELECT id, payload FROM item WHERE channel = ? AND id > ? ORDER BY id LIMIT ?",
                (int(lane), after, max_items),
            ):
                size += len(row[1]) + 1
                if rows and size > max_bytes:
                    break
                rows.append(Row(*row))
            if rows:
                self._handed[lane] = max(self._handed[lane], rows[-1].id)
            return rows

        return await asyncio.wrap_future(self._worker.submit(read))

    async def delete(self, lane: Lane, ids: Sequence[int]) -> None:
        """Delete acknowledged rows by id; returns once committed."""

        def remove(connection: sqlite3.Connection) -> None:
            cursor = connection.executemany("DELETE FROM item WHERE id = ?", [(i,) for i in ids])
            self._lanes[lane] -= cursor.rowcount

        await asyncio.wrap_future(self._worker.submit(remove))

    def rewind(self) -> None:
        """Forget what was handed out (the publisher starts again from the oldest row)."""
        self._handed = {Lane.EVENTS: 0, Lane.READINGS: 0}
