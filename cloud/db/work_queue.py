"""The derived-work queue: kinds and keys; enqueue (merging time ranges), claim, retry later.

A kind of work is declared once, as a `WorkKind` in the package that does it (its name, the
typed key it is queued under and its handler); `cloud.derive.registry` gathers them. A key is
stored as its fields joined by `|` (`encode_key`, and `key_sql` for SQL that must match it).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar, get_type_hints

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

_SEPARATOR = "|"


@dataclass(frozen=True)
class Work:
    """One unit of derived work: a kind, a key, and the event-time range it concerns."""

    kind: str
    key: str
    from_time: datetime | None = None
    to_time: datetime | None = None


KeyT = TypeVar("KeyT", bound=tuple[Any, ...])


def encode_key(key: tuple[Any, ...]) -> str:
    """A typed key (a NamedTuple) as the queue stores it."""
    return _SEPARATOR.join(str(part) for part in key)


def key_sql(key_type: type[tuple[Any, ...]], **fields: str) -> str:
    """SQL of a key from one SQL expression per field of `key_type` (as `encode_key` writes it)."""
    names: tuple[str, ...] = getattr(key_type, "_fields")  # noqa: B009 - a NamedTuple's
    if set(fields) != set(names):
        raise ValueError(f"{key_type.__name__} has fields {names}, not {sorted(fields)}")
    return f" || '{_SEPARATOR}' || ".join(f"({fields[name]})::text" for name in names)


@dataclass(frozen=True)
class WorkKind(Generic[KeyT]):
    """One kind of derived work: its name, the key type it is queued under, what does it."""

    name: str
    key: type[KeyT]
    handler: Callable[[Cursor, KeyT, "Work"], None]
    _parsers: tuple[Callable[[str], Any], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hints = get_type_hints(self.key)
        names: tuple[str, ...] = getattr(self.key, "_fields")  # noqa: B009 - a NamedTuple's
        parsers = tuple(int if hints[name] is int else str for name in names)
        object.__setattr__(self, "_parsers", parsers)

    def work(
        self, key: KeyT, from_time: datetime | None = None, to_time: datetime | None = None
    ) -> Work:
        """Work of this kind on `key`, over the given event-time range."""
        return Work(self.name, encode_key(key), from_time, to_time)

    def queued(self, key: KeyT) -> tuple[str, str]:
        """The (kind, key) pair under which work on `key` waits (see `pending_of`)."""
        return self.name, encode_key(key)

    def key_of(self, work: Work) -> KeyT:
        """The typed key of queued work of this kind."""
        parts = work.key.split(_SEPARATOR, len(self._parsers) - 1)
        return self.key(*(parse(part) for parse, part in zip(self._parsers, parts, strict=True)))

    def handle(self, cur: Cursor, work: Work) -> None:
        """Do `work` (in the caller's transaction)."""
        self.handler(cur, self.key_of(work), work)


def enqueue(cur: Cursor, work: Sequence[Work]) -> None:
    """Queue work; a key already waiting gets its time range widened instead of a second row."""
    merged: dict[tuple[str, str], Work] = {}
    for item in work:
        key = (item.kind, item.key)
        old = merged.get(key)
        if old is None:
            merged[key] = item
            continue
        merged[key] = Work(
            item.kind,
            item.key,
            _least(old.from_time, item.from_time),
            _greatest(old.to_time, item.to_time),
        )
    if not merged:
        return
    execute_values(
        cur,
        "INSERT INTO work_queue AS w (kind, key, from_time, to_time) VALUES %s "
        "ON CONFLICT (kind, key) DO UPDATE SET "
        "from_time = least(w.from_time, excluded.from_time), "
        "to_time = greatest(w.to_time, excluded.to_time)",
        [(w.kind, w.key, w.from_time, w.to_time) for _, w in sorted(merged.items())],
        template="(%s, %s, %s::timestamptz, %s::timestamptz)",
    )


def claim(cur: Cursor, *, limit: int, kinds: Sequence[str] | None = None) -> list[Work]:
    """Lock up to `limit` due items (skipping those another worker holds) and remove them.

    The rows are deleted in the caller's transaction: if it rolls back, they are back.
    """
    cur.execute(
        "DELETE FROM work_queue WHERE (kind, key) IN ("
        " SELECT kind, key FROM work_queue WHERE not_before <= now()"
        " AND (%(kinds)s::text[] IS NULL OR kind = ANY(%(kinds)s::text[]))"
        " ORDER BY enqueued_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED) "
        "RETURNING kind, key, from_time, to_time",
        {"limit": limit, "kinds": list(kinds) if kinds else None},
    )
    return [Work(*row) for row in cur.fetchall()]


def retry_later(cur: Cursor, work: Work, *, error: str, delay_s: float) -> None:
    """Put failed work back, due again after `delay_s`, with the error kept for operators."""
    cur.execute(
        "INSERT INTO work_queue AS w (kind, key, from_time, to_time, attempts, last_error, "
        "not_before) VALUES (%s, %s, %s, %s, 1, %s, now() + make_interval(secs => %s)) "
        "ON CONFLICT (kind, key) DO UPDATE SET attempts = w.attempts + 1, "
        "last_error = excluded.last_error, not_before = excluded.not_before, "
        "from_time = least(w.from_time, excluded.from_time), "
        "to_time = greatest(w.to_time, excluded.to_time)",
        (work.kind, work.key, work.from_time, work.to_time, error[:2000], delay_s),
    )


def pending(cur: Cursor) -> int:
    """How many work items wait."""
    cur.execute("SELECT count(*) FROM work_queue")
    row = cur.fetchone()
    return int(row[0]) if row else 0


def _least(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


def _greatest(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def pending_of(cur: Cursor, keys: Sequence[tuple[str, str]]) -> int:
    """How many of the given (kind, key) pairs have work waiting (or being worked on)."""
    if not keys:
        return 0
    cur.execute(
        "SELECT count(*) FROM work_queue w JOIN unnest(%s::text[], %s::text[]) AS k(kind, key) "
        "USING (kind, key)",
        ([k[0] for k in keys], [k[1] for k in keys]),
    )
    row = cur.fetchone()
    return int(row[0]) if row else 0
