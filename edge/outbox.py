"""The durable outbox (SQLite, WAL): put items, pack them in order, forget them once confirmed.

An item gets its stable id and its device sequence number (its key here) in the transaction
that stores it, and `put` returns only after that transaction has committed (synchronous=FULL,
so a power cut after the return loses nothing). The broker's acknowledgement marks an item
sent; the ingester's receipt, which says the database holds it, deletes it.

Bounds. Soft: `capacity` items and `max_bytes` of item JSON; past either, the oldest readings
not yet sent are thinned (every other one is deleted, and counted); scans and items awaiting
their receipt are never dropped, so scans go past the soft bound. Hard: `min_free_bytes` left
on the filesystem; below it nothing new is written, and what is refused is counted and
reported (edge.outbox_space).
"""

import asyncio
import fcntl
import logging
import os
import sqlite3
from collections.abc import Iterable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import NamedTuple

from contract import Receipt, ScanEvent, new_item_id
from edge import outbox_rows, outbox_schema
from edge.outbox_space import SpaceGuard
from edge.readers.base import TakenItem
from edge.sqlite_worker import SqliteWorker

logger = logging.getLogger(__name__)

class OutboxError(Exception):
    """The outbox cannot be opened or written."""


class Lane(IntEnum):
    """The two uplink lanes of the outbox, each published on its own topic."""

    EVENTS = 0
    READINGS = 1


class Row(NamedTuple):
    """One stored item: its sequence number and its JSON."""

    seq: int
    payload: bytes


@dataclass(frozen=True)
class OutboxStats:
    """What the status heartbeat reports about the outbox."""

    depth: int
    events: int
    readings: int
    capacity: int
    bytes: int
    max_bytes: int
    unconfirmed: int
    drops: int
    refused: int
    alarm: bool
    last_seq: int


@dataclass(frozen=True)
class Confirmed:
    """What a receipt did: the items it deleted, and how many of its messages named none here."""

    seqs: list[int]
    stale: int


def lane_of(item: TakenItem) -> Lane:
    """The lane an item travels in."""
    return Lane.EVENTS if isinstance(item, ScanEvent) else Lane.READINGS


class Outbox:
    """The device's durable queue of items waiting for confirmation that the cloud holds them."""

    def __init__(
        self,
        path: Path,
        *,
        capacity: int,
        max_bytes: int = 512 * 1024 * 1024,
        min_free_bytes: int = 0,
        alarm_fraction: float = 0.8,
    ) -> None:
        self.path = path
        self.capacity = capacity
        self.max_bytes = max_bytes
        self.alarm_fraction = alarm_fraction
        self.space = SpaceGuard(path.parent, min_free_bytes=min_free_bytes)
        self._worker = SqliteWorker(
            path, setup=outbox_schema.setup, on_group=self.space.new_transaction
        )
        self._lock_fd: int | None = None
        # Written only by the SQLite thread; plain ints, so readers elsewhere see whole values.
        self._lanes = {Lane.EVENTS: 0, Lane.READINGS: 0}
        self._bytes = 0
        self._unconfirmed = 0
        self._next_seq = 0
        self._drops = 0
        self._refused_saved = 0
        self._handed = {Lane.EVENTS: -1, Lane.READINGS: -1}
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
        self._refused_saved = self.space.refused_earlier = counters["refused"]
        for lane, count, size, sent in connection.execute(
            "SELECT lane, count(*), sum(length(payload)), sum(sent) FROM item GROUP BY 1"
        ):
            self._lanes[Lane(lane)] = count
            self._bytes += size
            self._unconfirmed += sent

    def stats(self) -> OutboxStats:
        """Depth, bytes, bounds, drops and refusals, and whether the alarm is raised."""
        depth = self._lanes[Lane.EVENTS] + self._lanes[Lane.READINGS]
        alarm = (
            depth >= self.alarm_fraction * self.capacity
            or self._bytes >= self.alarm_fraction * self.max_bytes
            or self.space.refusing
        )
        return OutboxStats(
            depth=depth,
            events=self._lanes[Lane.EVENTS],
            readings=self._lanes[Lane.READINGS],
            capacity=self.capacity,
            bytes=self._bytes,
            max_bytes=self.max_bytes,
            unconfirmed=self._unconfirmed,
            drops=self._drops,
            refused=self.space.refused,
            alarm=alarm,
            last_seq=max(self._next_seq - 1, 0),
        )

    async def put(self, items: Sequence[TakenItem]) -> int:
        """Store `items` with new ids and sequence numbers; returns once committed.

        Returns how many were stored: readings may be dropped past the soft bound, and
        everything is refused at the floor.
        """
        stored = await asyncio.wrap_future(self._worker.submit(lambda c: self._put(c, items)))
        if stored:
            self.changed.set()
        return stored

    def _stamp(self, keep: Sequence[TakenItem], seq: int) -> list[tuple[int, int, bytes]]:
        return [
            (
                seq + offset,
                int(lane_of(item)),
                item.model_copy(update={"id": new_item_id(), "seq": seq + offset})
                .model_dump_json(exclude_none=True)
                .encode(),
            )
            for offset, item in enumerate(keep)
        ]

    def _put(self, connection: sqlite3.Connection, items: Sequence[TakenItem]) -> int:
        rows = self._stamp(items, self._next_seq)
        size = sum(len(payload) for _, _, payload in rows)
        if not self.space.admits(connection, size):
            self.space.refuse(items)
            return 0
        over_items = sum(self._lanes.values()) + len(rows) - self.capacity
        over_bytes = self._bytes + size - self.max_bytes
        if over_items > 0 or over_bytes > 0:
            freed_items, freed_bytes = self._thin(
                connection,
                items=max(over_items, self.capacity // 100) if over_items > 0 else 0,
                size=max(over_bytes, self.max_bytes // 100) if over_bytes > 0 else 0,
            )
            over_items -= freed_items
            over_bytes -= freed_bytes
        if over_items > 0 or over_bytes > 0:  # no old readings left to thin: drop new ones
            keep: list[TakenItem] = []
            for item, (_, lane, payload) in zip(items, rows, strict=True):
                if lane == Lane.READINGS and (over_items > 0 or over_bytes > 0):
                    over_items -= 1
                    over_bytes -= len(payload)
                else:
                    keep.append(item)
            self._count_drops(connection, len(items) - len(keep))
            rows = self._stamp(keep, self._next_seq)
        connection.executemany("INSERT INTO item (seq, lane, payload) VALUES (?, ?, ?)", rows)
        self._next_seq += len(rows)
        connection.execute(
            "UPDATE counter SET value = ? WHERE name = 'next_seq'", (self._next_seq,)
        )
        if self.space.refused != self._refused_saved:
            self._refused_saved = self.space.refused
            connection.execute(
                "UPDATE counter SET value = ? WHERE name = 'refused'", (self._refused_saved,)
            )
        for _, lane, payload in rows:
            self._lanes[Lane(lane)] += 1
            self._bytes += len(payload)
        return len(rows)

    def _thin(self, connection: sqlite3.Connection, *, items: int, size: int) -> tuple[int, int]:
        """Delete every other one of the oldest unsent readings until `items` and `size` go."""
        freed_items = freed_bytes = 0
        floor = self._handed[Lane.READINGS]
        while freed_items < items or freed_bytes < size:
            wanted = max(items - freed_items, (size - freed_bytes) // 128, 1)
            seqs = outbox_rows.oldest_unsent(connection, Lane.READINGS, floor, 2 * wanted)
            if not seqs:
                break
            victims = seqs[1::2] if len(seqs) > 1 else seqs
            gone, freed = self._forget(outbox_rows.delete_seqs(connection, victims))
            freed_items += len(gone)
            freed_bytes += freed
        self._count_drops(connection, freed_items)
        if freed_items:
            log = logger.debug if self._thinning else logger.warning
            log("outbox full: thinning the oldest readings (%d dropped so far)", self._drops)
        self._thinning = freed_items > 0
        return freed_items, freed_bytes

    def _count_drops(self, connection: sqlite3.Connection, dropped: int) -> None:
        if dropped:
            self._drops += dropped
            connection.execute("UPDATE counter SET value = ? WHERE name = 'drops'", (self._drops,))

    def _forget(self, returned: Iterable[tuple[int, int, int, int]]) -> tuple[list[int], int]:
        """Account for deleted rows (seq, lane, sent, size); return their seqs and bytes."""
        seqs: list[int] = []
        size = 0
        for seq, lane, sent, length in returned:
            seqs.append(seq)
            self._lanes[Lane(lane)] -= 1
            self._unconfirmed -= sent
            size += length
        self._bytes -= size
        return seqs, size

    async def pack(self, lane: Lane, *, after: int, max_items: int, max_bytes: int) -> list[Row]:
        """The oldest rows of `lane` after seq `after`, at most `max_items` and `max_bytes`."""

        def read(connection: sqlite3.Connection) -> list[Row]:
            rows: list[Row] = []
            size = 0
            for row in connection.execute(
                "SELECT seq, payload FROM item WHERE lane = ? AND seq > ? ORDER BY seq LIMIT ?",
                (int(lane), after, max_items),
            ):
                size += len(row[1]) + 1
                if rows and size > max_bytes:
                    break
                rows.append(Row(*row))
            if rows:
                self._handed[lane] = max(self._handed[lane], rows[-1].seq)
            return rows

        return await asyncio.wrap_future(self._worker.submit(read))

    def mark_sent(self, lane: Lane, seqs: Sequence[int]) -> "Future[list[int]]":
        """Mark a published pack sent (the broker has it); returns the seqs still here.

        Submitted at once, so it is applied before any receipt that arrives after it.
        """

        def mark(connection: sqlite3.Connection) -> list[int]:
            marked, here = outbox_rows.mark_sent(connection, lane, min(seqs), max(seqs))
            self._unconfirmed += marked
            connection.execute(
                "UPDATE counter SET value = value + ? WHERE name = 'published'", (len(seqs),)
            )
            return here

        return self._worker.submit(mark)

    def confirm(self, receipt: Receipt) -> "Future[Confirmed]":
        """Delete what `receipt` names, message by message, where its anchors match this outbox."""

        def apply(connection: sqlite3.Connection) -> Confirmed:
            deleted: list[int] = []
            stale = 0
            for message in receipt.messages:
                if not outbox_rows.anchored(connection, message):
                    stale += 1
                    continue
                for low, high in message.runs:
                    deleted += self._forget(outbox_rows.delete_run(connection, low, high))[0]
            return Confirmed(deleted, stale)

        return self._worker.submit(apply)

    async def delete(self, seqs: Sequence[int]) -> int:
        """Delete rows by seq (confirmed by the broker alone, or unreadable); returns the count."""
        def remove(connection: sqlite3.Connection) -> int:
            return len(self._forget(outbox_rows.delete_seqs(connection, seqs))[0])

        return await asyncio.wrap_future(self._worker.submit(remove))

    def rewind(self) -> None:
        """Forget what was handed out (the publisher starts again from the oldest row)."""
        self._handed = {Lane.EVENTS: -1, Lane.READINGS: -1}
