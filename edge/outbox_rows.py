"""The SQL on the outbox's item table, run on its SQLite thread."""

import sqlite3
from collections.abc import Iterable, Sequence

from contract import StoredMessage

Deleted = tuple[int, int, int, int]  # seq, lane, sent, bytes of the deleted row
_MAX_VARIABLES = 900  # per IN (...) list, well under SQLite's limit
_RETURNING = "RETURNING seq, lane, sent, length(payload)"


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _MAX_VARIABLES):
        yield values[start : start + _MAX_VARIABLES]


def delete_seqs(connection: sqlite3.Connection, seqs: Sequence[int]) -> list[Deleted]:
    """Delete rows by seq."""
    deleted: list[Deleted] = []
    for chunk in _chunks(seqs):
        marks = ",".join("?" * len(chunk))
        sql = f"DELETE FROM item WHERE seq IN ({marks}) {_RETURNING}"
        deleted += connection.execute(sql, chunk).fetchall()
    return deleted


def delete_run(connection: sqlite3.Connection, low: int, high: int) -> list[Deleted]:
    """Delete the rows of seqs low..high."""
    sql = f"DELETE FROM item WHERE seq BETWEEN ? AND ? {_RETURNING}"
    return connection.execute(sql, (low, high)).fetchall()


def oldest_unsent(connection: sqlite3.Connection, lane: int, after: int, limit: int) -> list[int]:
    """Seqs of the oldest rows of `lane` after `after` that were never acknowledged."""
    rows = connection.execute(
        "SELECT seq FROM item WHERE lane = ? AND sent = 0 AND seq > ? ORDER BY seq LIMIT ?",
        (lane, after, limit),
    )
    return [seq for (seq,) in rows]


def mark_sent(
    connection: sqlite3.Connection, lane: int, low: int, high: int
) -> tuple[int, list[int]]:
    """Mark the rows of `lane` in low..high sent; how many were not yet, and which are here."""
    marked = connection.execute(
        "UPDATE item SET sent = 1 WHERE lane = ? AND seq BETWEEN ? AND ? AND sent = 0",
        (lane, low, high),
    ).rowcount
    here = connection.execute(
        "SELECT seq FROM item WHERE lane = ? AND seq BETWEEN ? AND ?", (lane, low, high)
    )
    return marked, [seq for (seq,) in here]


def anchored(connection: sqlite3.Connection, message: StoredMessage) -> bool:
    """Whether this outbox holds the message's first or last item under the receipt's id."""
    found = connection.execute(
        "SELECT 1 FROM item WHERE (seq = ? AND json_extract(payload, '$.id') = ?)"
        " OR (seq = ? AND json_extract(payload, '$.id') = ?) LIMIT 1",
        (message.low, str(message.first), message.high, str(message.last)),
    ).fetchone()
    return found is not None
